import { formatDuration, formatTokens, plural } from '../format.ts';
import { diffStat } from '../git/diff-record.ts';
import type { ApprovalRecord, Session, Status, Turn } from '../store/session.ts';
import { chatBody, chatTitle, plainLine } from './chat-text.ts';

/**
 * Every text the chat and the agent see. Pure functions of persisted state. Every
 * string a caller or Codex wrote goes through chat-text.ts, so only we write our lines.
 */

/** Telegram's limit is 4096 characters; stay a little under it for every channel. */
export const CHANNEL_LIMIT = 4000;
const PREVIEW_CHARS = 1500;

const ICONS: Record<Exclude<Status, 'queued' | 'running'>, string> = {
  succeeded: '✅',
  failed: '❌',
  timed_out: '⏰',
  cancelled: '🛑',
  interrupted: '💥',
};

const title = (session: Session) => (session.label && chatTitle(session.label)) || session.id;

export function launchMessage(session: Session, turn: Turn): string {
  const lines = [
    `🚀 Codex ${turn.turn > 1 ? `turn ${turn.turn} ` : ''}started · ${title(session)}`,
    `cwd: ${chatTitle(session.cwd, 1000)}`,
    `session: ${session.id} · sandbox: ${session.sandbox}${session.model ? ` · model: ${chatTitle(session.model)}` : ''}`,
  ];
  if (session.worktree) lines.push(`isolated: branch ${chatTitle(session.worktree.branch)} (your tree stays untouched)`);
  return cut(lines.join('\n'));
}

/** The 🟢/🟡/🔴 dot says how recently Codex emitted an event: a quiet run may be stuck. */
export function idleDot(lastEventAt: string | null, startedAt: string | null, now: number): string {
  const last = Date.parse(lastEventAt ?? startedAt ?? '') || now;
  const idle = (now - last) / 1000;
  return idle < 30 ? '🟢' : idle < 120 ? '🟡' : '🔴';
}

export function heartbeatMessage(session: Session, turn: Turn, now: number): string {
  const elapsed = turn.startedAt ? Math.round((now - Date.parse(turn.startedAt)) / 1000) : 0;
  const tokens = turn.usage.inputTokens + turn.usage.outputTokens;
  // Waiting for a person is not being stuck: ⏸ and how long it has waited, never 🔴.
  const waiting = pendingApprovals(turn)[0];
  const dot = waiting ? `⏸ waiting for approval ${formatDuration(Math.max(0, Math.round((now - Date.parse(waiting.requestedAt)) / 1000)))}` : idleDot(turn.lastEventAt, turn.startedAt, now);
  return cut(
    [
      `📡 ${dot} Codex`,
      title(session),
      formatDuration(elapsed),
      plural(turn.counters.commands, 'cmd'),
      `${formatTokens(tokens)} tok`,
      chatTitle(turn.activity),
    ].join(' · '),
  );
}

function duration(turn: Turn): string {
  if (!turn.startedAt || !turn.endedAt) return '';
  return formatDuration(Math.round((Date.parse(turn.endedAt) - Date.parse(turn.startedAt)) / 1000));
}

export function finalMessage(session: Session, turn: Turn, text: string | null): string {
  const status = turn.status as keyof typeof ICONS;
  const head = `${ICONS[status] ?? '❔'} Codex ${status.replace('_', ' ')} · ${title(session)}${turn.endedAt ? ` · ${duration(turn)}` : ''}`;
  const lines = [head];
  if (status === 'succeeded') {
    if (text) lines.push('', chatBody(preview(text, PREVIEW_CHARS)));
  } else if (turn.error) {
    lines.push('', chatBody(turn.error));
  }
  const facts: string[] = [];
  if (turn.diff) {
    // The diff's own paths (relative, shell-written files included) replace the file list.
    const shown = turn.diff.files.slice(0, 5).map((file) => chatTitle(file.path)).join(', ');
    const more = turn.diff.files.length > 5 ? ` (+${turn.diff.files.length - 5} more)` : '';
    facts.push(turn.diff.files.length > 0 ? `${diffStat(turn.diff)}: ${shown}${more}` : 'no files changed');
  } else if (turn.filesChanged.length > 0) {
    const shown = turn.filesChanged.slice(0, 8).map((file) => chatTitle(file)).join(', ');
    facts.push(`files: ${shown}${turn.filesChanged.length > 8 ? ` (+${turn.filesChanged.length - 8} more)` : ''}`);
  }
  facts.push(plural(turn.counters.commands, 'cmd'), `${formatTokens(turn.usage.inputTokens + turn.usage.outputTokens)} tok`);
  if (turn.approvalRequests.length > 0) {
    const granted = turn.approvalRequests.filter((r) => r.decision === 'approve' || r.decision === 'approve_for_session').length;
    facts.push(`approvals: ${granted} granted, ${turn.approvalRequests.length - granted} denied`);
  }
  lines.push('', facts.join(' · '));
  const rest = text && text.length > PREVIEW_CHARS ? ` (${text.length - PREVIEW_CHARS} more characters)` : '';
  lines.push(`Full result${rest}: codex_result ${session.id}`);
  if (session.worktree?.state === 'active' && turn.cumulativeDiff && turn.cumulativeDiff.files.length > 0) {
    lines.push(`Isolated on ${chatTitle(session.worktree.branch)} (${diffStat(turn.cumulativeDiff)} in all): review with codex_result view "patch", then codex_apply ${session.id} apply | keep | discard`);
  }
  return cut(lines.join('\n'));
}

/** What the agent reads when it wakes: enough to decide, and where the rest is. */
export function wakeMessage(session: Session, turn: Turn, text: string | null): string {
  const summary = turn.status === 'succeeded' ? preview(text ?? '(no answer text)', 600) : (turn.error ?? 'no error recorded');
  // The agent reads plain text: no markdown escapes, but still one line for the label and no hidden controls.
  const label = (session.label && plainLine(session.label)) || session.id;
  return cut(
    [
      `Codex session ${session.id} (${label}) turn ${turn.turn} ended: ${turn.status}.`,
      chatBody(summary),
      `Call codex_result with sessionId "${session.id}" for the full text, summarise it for the user, and codex_resume to follow up.`,
      ...(session.worktree?.state === 'active'
        ? [`Its changes are in its own worktree (branch ${plainLine(session.worktree.branch)}), not in the user's tree: show the diff (codex_result view "patch"), then codex_apply with action "apply", "keep" or "discard" as the user decides.`]
        : []),
    ].join('\n\n'),
  );
}

/** Requests still waiting for an answer. */
export function pendingApprovals(turn: Turn): ApprovalRecord[] {
  return turn.status === 'running' ? turn.approvalRequests.filter((r) => r.decision === null) : [];
}

/** What Codex wants, in one line per fact; every part of it is Codex's text, so it goes through chat-text. */
function requestFacts(request: ApprovalRecord, oneLine: (text: string, max?: number) => string): string[] {
  const facts: string[] = [];
  if (request.command) facts.push(`wants to run: ${oneLine(request.command, 500)}`);
  else if (request.kind === 'fileChange') facts.push(`wants to change files${request.files.length ? `: ${request.files.slice(0, 8).map((f) => oneLine(f)).join(', ')}` : ''}`);
  else facts.push(`wants more permissions${request.files.length ? ` for: ${request.files.slice(0, 8).map((f) => oneLine(f)).join(', ')}` : ''}`);
  if (request.cwd) facts.push(`in: ${oneLine(request.cwd, 500)}`);
  if (request.reason) facts.push(`reason: ${oneLine(request.reason, 800)}`);
  return facts;
}

const waitLeft = (request: ApprovalRecord) =>
  formatDuration(Math.max(0, Math.round((Date.parse(request.expiresAt) - Date.parse(request.requestedAt)) / 1000)));

export function approvalMessage(session: Session, turn: Turn, request: ApprovalRecord): string {
  return cut(
    [
      `❓ Codex asks for approval · ${title(session)}`,
      ...requestFacts(request, chatTitle),
      `request: ${request.requestId} · session: ${session.id} · denied if unanswered in ${waitLeft(request)}`,
      `Answer with codex_approve (decision: approve, approve_for_session or deny).`,
    ].join('\n'),
  );
}

export function approvalExpiredMessage(session: Session, turn: Turn, request: ApprovalRecord): string {
  return cut(`❔ Approval request ${request.requestId} of ${title(session)} was not answered in ${waitLeft(request)}: denied, and Codex goes on without it.`);
}

/** What the agent reads when woken for a request: what, where, why, and the exact call that answers it. */
export function approvalWakeMessage(session: Session, turn: Turn, request: ApprovalRecord): string {
  const label = (session.label && plainLine(session.label)) || session.id;
  return cut(
    [
      `Codex session ${session.id} (${label}) turn ${turn.turn} is waiting for approval (request ${request.requestId}).`,
      requestFacts(request, plainLine).join('\n'),
      `Ask the user (or decide from your instructions), then call codex_approve with sessionId "${session.id}", requestId "${request.requestId}" and decision "approve", "approve_for_session" or "deny". Unanswered, it is denied at ${request.expiresAt}.`,
    ].join('\n\n'),
  );
}

function preview(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function cut(text: string): string {
  return text.length > CHANNEL_LIMIT ? `${text.slice(0, CHANNEL_LIMIT - 1)}…` : text;
}

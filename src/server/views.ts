import { z } from 'zod';
import { formatDuration, formatTokens, plural } from '../format.ts';
import { diffStat, treeDiffSchema, type TreeDiffRecord } from '../git/diff-record.ts';
import { commandRecordSchema, WORKTREE_STATES, latestTurn, notificationRecordSchema, usageSchema, STATUSES, SANDBOXES, ERROR_KINDS, type ApprovalRecord, type CommandRecord, type NotificationRecord, type Session } from '../store/session.ts';
import { pendingApprovals } from '../notify/messages.ts';

/** What codex_status shows of a session: the latest turn, flattened, plus session facts. */
export const statusViewSchema = z.object({
  sessionId: z.string(),
  label: z.string().nullable(),
  status: z.enum(STATUSES),
  cwd: z.string(),
  sandbox: z.enum(SANDBOXES),
  model: z.string().nullable(),
  threadId: z.string().nullable(),
  turn: z.number(),
  turns: z.number(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  elapsedSeconds: z.number(),
  lastEventAt: z.string().nullable(),
  activity: z.string(),
  queuePosition: z.number().nullable(),
  counters: z.object({ commands: z.number(), fileChanges: z.number(), messages: z.number(), errors: z.number() }),
  usage: usageSchema,
  exitCode: z.number().nullable(),
  error: z.string().nullable(),
  errorKind: z.enum(ERROR_KINDS).nullable(),
  resetsAt: z.string().nullable(),
  /** The latest error Codex reported during the turn (e.g. a reconnect notice); left out when there is none. */
  lastError: z.string().optional(),
  /** Length of the final answer once the turn ended: whether codex_result will need paging. */
  resultChars: z.number().nullable(),
  /** Files Codex changed in this turn, and the commands that exited non-zero; left out of listings. */
  filesChanged: z.array(z.string()).optional(),
  failedCommands: z.array(commandRecordSchema).optional(),
  /** Only when the stored answer was cut (disk full): how many of the resultChars codex_result can serve. */
  resultStoredChars: z.number().optional(),
  /** The latest delivery attempts; left out of listings, which must stay small for MCP clients. */
  notifications: z.array(notificationRecordSchema).optional(),
  notifyWarning: z.string().nullable(),
  /** Isolated sessions: where Codex works, on which branch, from which commit, and what became of it. */
  worktree: z.object({ path: z.string(), branch: z.string(), base: z.string(), state: z.enum(WORKTREE_STATES) }).optional(),
  /** In a git repository, once the turn ended: what it changed (paths relative to the repository root). */
  diff: treeDiffSchema.optional(),
  /** Isolated sessions: everything the worktree holds against its base after the latest turn. */
  cumulativeDiff: treeDiffSchema.optional(),
  /** Why the turn has no diff although it ran in a repository. */
  diffNote: z.string().optional(),
  /** Text added with codex_steer to this turn (lengths and times, never the text); left out of listings. */
  steers: z.array(z.object({ at: z.string(), chars: z.number(), deliveredAt: z.string().nullable(), refused: z.string().nullable() })).optional(),
  /** What Codex waits for a decision on (approvals "ask"): answer each with codex_approve before expiresAt. */
  pendingApprovals: z
    .array(
      z.object({
        requestId: z.string(),
        kind: z.enum(['command', 'fileChange', 'permissions']),
        command: z.string().optional(),
        cwd: z.string().optional(),
        reason: z.string().optional(),
        files: z.array(z.string()).optional(),
        requestedAt: z.string(),
        expiresAt: z.string(),
      }),
    )
    .optional(),
  approvals: z.enum(['never', 'auto', 'ask']).optional(),
});
export type StatusView = z.infer<typeof statusViewSchema>;

export function toStatusView(session: Session, now: number, queuePosition: number | null = null, brief = false): StatusView {
  const turn = latestTurn(session);
  const start = turn.startedAt ? Date.parse(turn.startedAt) : null;
  const end = turn.endedAt ? Date.parse(turn.endedAt) : now;
  return {
    sessionId: session.id,
    label: session.label,
    status: turn.status,
    cwd: session.cwd,
    sandbox: session.sandbox,
    model: session.model,
    threadId: session.threadId,
    turn: turn.turn,
    turns: session.turns.length,
    createdAt: session.createdAt,
    startedAt: turn.startedAt,
    endedAt: turn.endedAt,
    elapsedSeconds: start === null ? 0 : Math.max(0, Math.round((end - start) / 1000)),
    lastEventAt: turn.lastEventAt,
    activity: turn.activity,
    queuePosition: turn.status === 'queued' ? queuePosition : null,
    counters: turn.counters,
    usage: turn.usage,
    exitCode: turn.exitCode,
    error: turn.error,
    errorKind: turn.errorKind,
    resetsAt: turn.resetsAt,
    ...(turn.lastError ? { lastError: turn.lastError } : {}),
    resultChars: turn.resultChars,
    ...(turn.resultStoredChars !== null ? { resultStoredChars: turn.resultStoredChars } : {}),
    ...(brief
      ? {}
      : {
          filesChanged: turn.filesChanged,
          failedCommands: failedCommands(turn.commands),
          notifications: session.notifications.slice(-10),
          steers: turn.steers.map(({ at, chars, deliveredAt, refused }) => ({ at, chars, deliveredAt, refused })),
          approvals: turn.approvals,
        }),
    // Shown in listings too: a waiting request is what an agent must not miss.
    ...(pendingApprovals(turn).length > 0 ? { pendingApprovals: pendingApprovals(turn).map(pendingView) } : {}),
    notifyWarning: session.notifyWarning,
    ...(session.worktree
      ? { worktree: { path: session.worktree.runCwd, branch: session.worktree.branch, base: session.worktree.baseCommit, state: session.worktree.state } }
      : {}),
    ...(turn.diff && !brief ? { diff: turn.diff } : {}),
    ...(turn.cumulativeDiff && !brief ? { cumulativeDiff: turn.cumulativeDiff } : {}),
    ...(turn.diffNote ? { diffNote: turn.diffNote } : {}),
  };
}

/** `Diff: 3 files · +42 −7 (a.ts, b.ts, c.ts, …)`: the stat and the first few paths. */
export function diffLine(name: string, diff: TreeDiffRecord, shown = 5): string {
  if (diff.files.length === 0) return `${name}: no files changed.`;
  const paths = diff.files.slice(0, shown).map((f) => f.path);
  return `${name}: ${diffStat(diff)} (${paths.join(', ')}${diff.files.length > shown ? ', …' : ''})`;
}

/** For isolated sessions: where the work is and what to do with it. */
export function worktreeLines(view: Pick<StatusView, 'sessionId' | 'worktree' | 'status'>): string[] {
  const worktree = view.worktree;
  if (!worktree) return [];
  const lines = [`Worktree (${worktree.state}): ${worktree.path} · branch ${worktree.branch} · base ${worktree.base.slice(0, 12)}`];
  if (worktree.state === 'active' && view.status !== 'queued' && view.status !== 'running') {
    lines.push(`Your tree is untouched: review the diff (codex_result with view "patch"), then codex_apply { sessionId: "${view.sessionId}", action: "apply" | "keep" | "discard" }.`);
  }
  return lines;
}

function pendingView(r: ApprovalRecord) {
  return {
    requestId: r.requestId,
    kind: r.kind,
    ...(r.command ? { command: r.command } : {}),
    ...(r.cwd ? { cwd: r.cwd } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
    ...(r.files.length > 0 ? { files: r.files } : {}),
    requestedAt: r.requestedAt,
    expiresAt: r.expiresAt,
  };
}

/** One line a person can scan: `<id> <status> · <label> · 3m · 12 cmds · running: npm test`. */
export function statusLine(view: StatusView): string {
  const parts = [
    `${view.sessionId} ${view.status}${view.queuePosition ? ` #${view.queuePosition} in queue` : ''}`,
    // A label or an error is free text: one line, so it cannot pose as another line of the answer.
    view.label && shorten(view.label, 80),
    formatDuration(view.elapsedSeconds),
    plural(view.counters.commands, 'cmd'),
    `${formatTokens(view.usage.inputTokens + view.usage.outputTokens)} tok`,
    shorten(view.error ?? view.activity, 300),
  ];
  return parts.filter(Boolean).join(' · ');
}

/**
 * The text answer for one session: everything codex_status's structured half
 * says that a person or model must act on, for clients that show only text.
 */
export function statusDetails(view: StatusView): string {
  const lines = [statusLine(view), `cwd: ${view.cwd} · sandbox: ${view.sandbox}`];
  // The status line holds the error shortened to one line; the whole of it matters to whoever fixes it.
  if (view.error && shorten(view.error, 300) !== view.error) lines.push(`Error: ${view.error}`);
  lines.push(...worktreeLines(view));
  if (view.diff) lines.push(diffLine('Diff of this turn', view.diff));
  if (view.cumulativeDiff) lines.push(diffLine('All changes in the worktree', view.cumulativeDiff));
  if (view.diffNote) lines.push(`⚠ ${view.diffNote}`);
  lines.push(...changeLines(view.filesChanged ?? [], view.failedCommands ?? [], null));
  if (view.counters.errors > 0) lines.push(errorCountLine(view.counters.errors, view.status));
  if (view.resultChars !== null) lines.push(`Answer: ${plural(view.resultChars, 'character')}; read it with codex_result.`);
  for (const request of view.pendingApprovals ?? []) {
    const what = request.command ? `run \`${shorten(request.command, 200)}\`` : request.kind === 'fileChange' ? 'change files' : 'more permissions';
    lines.push(`❓ Codex asks to ${what} (request ${request.requestId}, denied at ${request.expiresAt} unless answered): answer with codex_approve.`);
  }
  if (view.notifyWarning) lines.push(`⚠ ${view.notifyWarning}`);
  for (const failure of unresolvedFailures(view.notifications ?? [])) {
    const how = [failure.httpStatus ? `HTTP ${failure.httpStatus}` : null, failure.error].filter(Boolean).join(': ');
    lines.push(`⚠ The ${failure.kind} notification of turn ${failure.turn} failed${how ? ` (${how})` : ''}.`);
  }
  return lines.join('\n');
}

/** Files changed and failing commands, the things SKILL.md tells an agent to check. */
export function changeLines(filesChanged: string[], failed: CommandRecord[], commandCount: number | null): string[] {
  const lines: string[] = [];
  if (filesChanged.length > 0) {
    const shown = filesChanged.slice(0, MAX_LISTED);
    const more = filesChanged.length - shown.length;
    lines.push(`Files changed (${filesChanged.length}): ${shown.join(', ')}${more > 0 ? `, and ${more} more (see filesChanged)` : ''}`);
  }
  if (failed.length > 0) {
    const shown = failed.slice(0, MAX_LISTED).map((c) => `\`${shorten(c.command, 100)}\` exited with ${c.exitCode}`);
    const of = commandCount === null ? '' : ` of ${commandCount}`;
    lines.push(`Failed commands (${failed.length}${of}): ${shown.join('; ')}${failed.length > shown.length ? '; …' : ''}.`);
  } else if (commandCount) {
    lines.push(`Commands: ${commandCount}, none failed.`);
  }
  return lines;
}

export function failedCommands(commands: CommandRecord[]): CommandRecord[] {
  return commands.filter((c) => c.exitCode !== null && c.exitCode !== 0);
}

/**
 * Codex's `error` events include harmless notices (e.g. a model without metadata)
 * that the counter counts too: after a success they are warnings, not failures.
 */
function errorCountLine(errors: number, status: StatusView['status']): string {
  return status === 'succeeded'
    ? `Codex warnings: ${errors} (the turn succeeded; counters.errors counts them).`
    : `Codex error events: ${errors}.`;
}

/** Failed delivery attempts not followed by a successful one of the same message. */
function unresolvedFailures(records: NotificationRecord[]): NotificationRecord[] {
  const latest = new Map<string, NotificationRecord>();
  for (const record of records) latest.set(`${record.kind}:${record.turn}`, record);
  return [...latest.values()].filter((r) => !r.ok);
}

const MAX_LISTED = 20;

function shorten(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

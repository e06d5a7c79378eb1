import type { Counters } from '../../store/session.ts';
import type { ApprovalDecision, ApprovalRequest } from '../engine.ts';
import { MAX_COMMANDS, MAX_FILES, initialProgress, type Progress } from '../fold-events.ts';
import { shorten, unwrapShell } from '../shell-text.ts';
import type { AppServerItem, KnownServerRequest, Notification, TokenTotals } from './protocol.ts';

/**
 * The app-server's notifications folded into the same Progress the exec engine
 * keeps, plus the little the app-server needs remembered beside it: which turn
 * is ours (a process can see notifications of an older turn), the thread's
 * token total before our turn (the server reports thread totals, Progress
 * holds the turn's usage), and the files of pending file changes (an approval
 * request does not repeat them).
 */
export interface AppServerFold {
  progress: Progress;
  turnId: string | null;
  usageBefore: TokenTotals | null;
  ownUsageSeen: boolean;
  changesByItem: Readonly<Record<string, string[]>>;
}

export function initialFold(threadId: string | null): AppServerFold {
  return { progress: initialProgress(threadId), turnId: null, usageBefore: null, ownUsageSeen: false, changesByItem: {} };
}

/** The thread is known from the answer to thread/start or thread/resume. */
export function withThread(fold: AppServerFold, threadId: string): AppServerFold {
  return fold.progress.threadId === threadId ? fold : { ...fold, progress: { ...fold.progress, threadId } };
}

/** Our turn is known from the answer to turn/start (or turn/started, whichever comes first). */
export function withTurn(fold: AppServerFold, turnId: string): AppServerFold {
  return fold.turnId === null ? { ...fold, turnId } : fold;
}

/** Pure reducer: the state after one more notification. Returns the same object when nothing changed. */
export function foldNotification(fold: AppServerFold, notification: Notification): AppServerFold {
  const progress = fold.progress;
  const set = (next: Partial<Progress>): AppServerFold => ({ ...fold, progress: { ...progress, ...next } });
  switch (notification.method) {
    case 'thread/started':
      return set({ threadId: notification.params.thread.id, activity: 'starting' });
    case 'turn/started': {
      const mine = withTurn(fold, notification.params.turn.id);
      return mine.turnId === notification.params.turn.id ? { ...mine, progress: { ...progress, activity: 'thinking' } } : fold;
    }
    case 'turn/completed': {
      const turn = notification.params.turn;
      if (turn.id !== fold.turnId) return fold;
      if (turn.status === 'completed') return set({ completed: true, activity: 'done' });
      if (turn.status === 'interrupted') return set({ failure: 'The turn was interrupted before it finished.', activity: 'interrupted' });
      const message = turn.error ? errorText(turn.error) : (progress.lastError ?? `The turn ended with status ${turn.status}.`);
      return set({ failure: message, activity: 'failed' });
    }
    case 'item/started': {
      if (notification.params.turnId !== fold.turnId) return fold;
      const item = notification.params.item;
      const remembered = item.type === 'fileChange' ? { ...fold, changesByItem: { ...fold.changesByItem, [item.id]: item.changes.map((c) => c.path) } } : fold;
      const activity = activityOf(item, false);
      return activity === undefined ? remembered : { ...remembered, progress: { ...progress, activity } };
    }
    case 'item/completed':
      if (notification.params.turnId !== fold.turnId) return fold;
      return { ...fold, progress: completeItem({ ...progress, activity: activityOf(notification.params.item, true) ?? progress.activity }, notification.params.item) };
    case 'item/agentMessage/delta':
      return notification.params.turnId === fold.turnId && progress.activity !== 'writing the answer' ? set({ activity: 'writing the answer' }) : fold;
    case 'thread/tokenUsage/updated': {
      const total = notification.params.tokenUsage.total;
      if (fold.turnId !== null && notification.params.turnId === fold.turnId) {
        return { ...fold, ownUsageSeen: true, progress: { ...progress, usage: difference(total, fold.usageBefore) } };
      }
      // Before our turn's first request: the thread's total so far (restored on resume) is the baseline.
      return fold.ownUsageSeen ? fold : { ...fold, usageBefore: total };
    }
    case 'error': {
      const { error, willRetry } = notification.params;
      // Every notice is the latest error (codex_status shows it, as on exec); a retry is not counted as an error.
      const latest = { lastError: errorText(error), lastErrorEvent: errorText(error) };
      if (willRetry) return set({ ...latest, activity: `reconnecting${retryCount(error.message)}: ${shorten(error.additionalDetails ?? error.message, 120)}` });
      return set({ ...latest, counters: bump(progress.counters, 'errors', 1) });
    }
    case 'serverRequest/resolved':
      return progress.activity.startsWith('waiting for approval') ? set({ activity: 'thinking' }) : fold;
    // A `warning` (e.g. no model metadata) and a `configWarning` (e.g. bubblewrap) are not errors of the turn;
    // the diff repeats what fileChange items say.
    case 'warning':
    case 'configWarning':
    case 'turn/diff/updated':
    case 'unknown':
      return fold;
  }
}

/** A server request folded in: the turn now waits for a decision. */
export function foldServerRequest(fold: AppServerFold, request: KnownServerRequest): AppServerFold {
  const approval = approvalOf(fold, '', request);
  const what = approval.command ? `: ${shorten(approval.command, 60)}` : approval.files.length > 0 ? `: ${shorten(approval.files.join(', '), 60)}` : '';
  return { ...fold, progress: { ...fold.progress, activity: `waiting for approval${what}` } };
}

const ALL_DECISIONS: ApprovalDecision[] = ['accept', 'acceptForSession', 'decline', 'cancel'];

/** What a person needs to decide on a server request. */
export function approvalOf(fold: AppServerFold, id: string, request: KnownServerRequest): ApprovalRequest {
  const reason = request.params.reason ?? null;
  switch (request.method) {
    case 'item/commandExecution/requestApproval': {
      const params = request.params;
      // The server accepts all four words even when its list shows fewer (and objects we do not offer).
      const listed = (params.availableDecisions ?? []).filter((d): d is ApprovalDecision => (ALL_DECISIONS as string[]).includes(d));
      const decisions = [...new Set<ApprovalDecision>([...listed, 'accept', 'decline', 'cancel'])];
      return { id, kind: 'command', command: params.command ? unwrapShell(params.command) : null, cwd: params.cwd ?? null, reason, files: [], decisions };
    }
    case 'item/fileChange/requestApproval':
      return { id, kind: 'fileChange', command: null, cwd: null, reason, files: fold.changesByItem[request.params.itemId] ?? [], decisions: ALL_DECISIONS };
    case 'item/permissions/requestApproval': {
      const params = request.params;
      return { id, kind: 'permissions', command: null, cwd: params.cwd ?? null, reason, files: requestedPaths(params.permissions), decisions: ALL_DECISIONS };
    }
  }
}

function requestedPaths(permissions: Record<string, unknown>): string[] {
  const fileSystem = permissions.fileSystem as { read?: unknown; write?: unknown } | null | undefined;
  const paths = [fileSystem?.write, fileSystem?.read].flatMap((list) => (Array.isArray(list) ? list : []));
  return paths.filter((p): p is string => typeof p === 'string');
}

function completeItem(progress: Progress, item: AppServerItem): Progress {
  switch (item.type) {
    case 'agentMessage':
      return { ...progress, lastMessage: item.text, counters: bump(progress.counters, 'messages', 1) };
    case 'commandExecution': {
      // A declined command never ran: it is neither a command nor a result.
      if (item.status === 'declined') return progress;
      const record = { command: unwrapShell(item.command), exitCode: item.exitCode ?? null };
      return { ...progress, commands: [...progress.commands, record].slice(-MAX_COMMANDS), counters: bump(progress.counters, 'commands', 1) };
    }
    case 'fileChange': {
      if (item.status !== undefined && item.status !== 'completed') return progress;
      const files = new Set(progress.filesChanged);
      for (const change of item.changes) if (files.size < MAX_FILES) files.add(change.path);
      return { ...progress, filesChanged: [...files], counters: bump(progress.counters, 'fileChanges', item.changes.length) };
    }
    default:
      return progress;
  }
}

/** A few words on what Codex is doing, for status lines and heartbeats (the exec engine's wording). */
function activityOf(item: AppServerItem, done: boolean): string | undefined {
  switch (item.type) {
    case 'commandExecution':
      return done ? 'thinking' : `running: ${shorten(unwrapShell(item.command), 60)}`;
    case 'fileChange': {
      const n = item.changes.length;
      return done ? 'thinking' : `editing ${n} file${n === 1 ? '' : 's'}`;
    }
    case 'reasoning':
      return 'thinking';
    case 'agentMessage':
      return done ? 'answered' : 'writing the answer';
    case 'mcpToolCall':
      return done ? 'thinking' : `calling ${[item.server, item.tool].filter(Boolean).join('.') || 'a tool'}`;
    case 'webSearch':
      return done ? 'thinking' : `searching the web${item.query ? `: ${shorten(item.query, 50)}` : ''}`;
    default:
      return undefined;
  }
}

function difference(total: TokenTotals, before: TokenTotals | null): Progress['usage'] {
  return {
    inputTokens: Math.max(0, total.inputTokens - (before?.inputTokens ?? 0)),
    cachedInputTokens: Math.max(0, total.cachedInputTokens - (before?.cachedInputTokens ?? 0)),
    cacheWriteInputTokens: Math.max(0, total.cacheWriteInputTokens - (before?.cacheWriteInputTokens ?? 0)),
    outputTokens: Math.max(0, total.outputTokens - (before?.outputTokens ?? 0)),
    reasoningOutputTokens: Math.max(0, total.reasoningOutputTokens - (before?.reasoningOutputTokens ?? 0)),
  };
}

/** "Reconnecting... 2/5" → " (2/5)". */
function retryCount(message: string): string {
  const match = /(\d+)\s*\/\s*(\d+)/.exec(message);
  return match ? ` (${match[1]}/${match[2]})` : '';
}

function errorText(error: { message: string; additionalDetails?: string | null | undefined }): string {
  const details = error.additionalDetails;
  return details && !error.message.includes(details) ? `${error.message} (${details})` : error.message;
}

function bump(counters: Counters, key: keyof Counters, by: number): Counters {
  return { ...counters, [key]: counters[key] + by };
}

import { z } from 'zod';
import { latestTurn, notificationRecordSchema, STATUSES, SANDBOXES, ERROR_KINDS, type Session } from '../store/session.ts';

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
  usage: z.object({ inputTokens: z.number(), cachedInputTokens: z.number(), outputTokens: z.number() }),
  exitCode: z.number().nullable(),
  error: z.string().nullable(),
  errorKind: z.enum(ERROR_KINDS).nullable(),
  resetsAt: z.string().nullable(),
  /** The latest error Codex reported during the turn (e.g. a reconnect notice); left out when there is none. */
  lastError: z.string().optional(),
  /** Length of the final answer once the turn ended: whether codex_result will need paging. */
  resultChars: z.number().nullable(),
  /** Only when the stored answer was cut (disk full): how many of the resultChars codex_result can serve. */
  resultStoredChars: z.number().optional(),
  /** The latest delivery attempts; left out of listings, which must stay small for MCP clients. */
  notifications: z.array(notificationRecordSchema).optional(),
  notifyWarning: z.string().nullable(),
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
    ...(brief ? {} : { notifications: session.notifications.slice(-10) }),
    notifyWarning: session.notifyWarning,
  };
}

/** One line a person can scan: `<id> <status> · <label> · 3m · 12 cmds · running: npm test`. */
export function statusLine(view: StatusView): string {
  const parts = [
    `${view.sessionId} ${view.status}${view.queuePosition ? ` #${view.queuePosition} in queue` : ''}`,
    view.label,
    formatDuration(view.elapsedSeconds),
    `${view.counters.commands} cmds`,
    `${formatTokens(view.usage.inputTokens + view.usage.outputTokens)} tok`,
    view.error ?? view.activity,
  ];
  return parts.filter(Boolean).join(' · ');
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${seconds % 60 ? ` ${seconds % 60}s` : ''}`;
  return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`;
}

export function formatTokens(tokens: number): string {
  if (tokens < 1000) return String(tokens);
  if (tokens < 1_000_000) return `${(tokens / 1000).toFixed(1)}K`;
  return `${(tokens / 1_000_000).toFixed(1)}M`;
}

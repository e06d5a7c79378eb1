import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { treeDiffSchema, turnStartSchema } from '../git/diff-record.ts';
import { isolatedWorktreeSchema } from '../git/worktree-record.ts';

/** The registry record of a delegated task. One session = one Codex thread, one or more turns. */

export const STATUSES = ['queued', 'running', 'succeeded', 'failed', 'timed_out', 'cancelled', 'interrupted'] as const;
export type Status = (typeof STATUSES)[number];
export const ACTIVE_STATUSES: ReadonlySet<Status> = new Set(['queued', 'running']);
export const isActive = (status: Status) => ACTIVE_STATUSES.has(status);

export const SANDBOXES = ['read-only', 'workspace-write', 'danger-full-access'] as const;
export type Sandbox = (typeof SANDBOXES)[number];

export const REASONING_EFFORTS = ['minimal', 'low', 'medium', 'high', 'xhigh'] as const;

export const ERROR_KINDS = ['codex', 'startup', 'timeout', 'cancelled', 'interrupted', 'usage_limit', 'budget'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** Session ids are `<ms since epoch, base36>-<8 hex>`: sortable, unique within a millisecond, safe in a path. */
export const SESSION_ID_PATTERN = /^[0-9a-z]{6,12}-[0-9a-f]{8}$/;
export function newSessionId(now = Date.now()): string {
  return `${now.toString(36)}-${randomBytes(4).toString('hex')}`;
}

const routeField = (name: string) =>
  z.string({ error: `notify.${name} must be a string.` }).min(1, { error: `notify.${name} must not be empty.` });
export const routeSchema = z.object({
  channel: routeField('channel'),
  target: routeField('target'),
  threadId: routeField('threadId').optional(),
  sessionKey: routeField('sessionKey').optional(),
  silent: z.boolean({ error: 'notify.silent must be true or false.' }).optional(),
});
export type Route = z.infer<typeof routeSchema>;

const countersSchema = z.object({
  commands: z.number(),
  fileChanges: z.number(),
  messages: z.number(),
  errors: z.number(),
});
export type Counters = z.infer<typeof countersSchema>;

/** The five token counts Codex reports; the two newer ones default to 0 so records from before them still parse. */
export const usageSchema = z.object({
  inputTokens: z.number(),
  cachedInputTokens: z.number(),
  cacheWriteInputTokens: z.number().default(0),
  outputTokens: z.number(),
  reasoningOutputTokens: z.number().default(0),
});
export type Usage = z.infer<typeof usageSchema>;

export const commandRecordSchema = z.object({ command: z.string(), exitCode: z.number().nullable() });
export type CommandRecord = z.infer<typeof commandRecordSchema>;

/**
 * A process we recorded and may signal. Never 0 or 1: `kill(-0)` is our own process group and
 * `kill(-1)` every process we may signal, so a damaged record must never reach a signal.
 */
const processRefSchema = z.object({ pid: z.number().int().min(2), startTime: z.string().nullable() });

/** Times are ISO strings, as `Date#toISOString` writes them; shards and ordering rely on that. */
const isoTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/, { error: 'should be an ISO time such as 2026-12-02T10:00:00.000Z' });
/** Text added to a running turn by codex_steer: persisted (the text in a 0600 file, Paths.steerFile) before the runner delivers it. */
export const steerRecordSchema = z.object({
  id: z.string().regex(/^[0-9a-f]{8,32}$/),
  at: z.string(),
  chars: z.number(),
  /** When the runner handed it to Codex (or, for a queued turn, when it joined the prompt); null until then. */
  deliveredAt: z.string().nullable(),
  /** Why it never reached Codex (the turn ended first); null while it may still be delivered, or once it was. */
  refused: z.string().nullable().default(null),
});
export type SteerRecord = z.infer<typeof steerRecordSchema>;

/** How approval requests are handled: Codex never asks (the sandbox bounds it), Codex's own reviewer decides, or a person is asked. */
export const APPROVAL_MODES = ['never', 'auto', 'ask'] as const;
export type ApprovalMode = (typeof APPROVAL_MODES)[number];
export const APPROVAL_DECISIONS = ['approve', 'approve_for_session', 'deny'] as const;
export type ApprovalAnswer = (typeof APPROVAL_DECISIONS)[number];
export const DEFAULT_APPROVAL_TIMEOUT_SECONDS = 900;

/** One request of Codex for a person's decision (approvals: "ask"); answered by codex_approve or denied at expiresAt. */
export const approvalRecordSchema = z.object({
  requestId: z.string(),
  /** The app-server's id of the request: only the runner that got it can answer it. */
  engineId: z.string(),
  kind: z.enum(['command', 'fileChange', 'permissions']),
  command: z.string().nullable(),
  cwd: z.string().nullable(),
  reason: z.string().nullable(),
  files: z.array(z.string()),
  requestedAt: z.string(),
  expiresAt: z.string(),
  decision: z.enum(APPROVAL_DECISIONS).nullable(),
  decidedBy: z.enum(['caller', 'expiry']).nullable(),
  decidedAt: z.string().nullable(),
  /** The caller's reason for the answer, kept for the record. */
  note: z.string().nullable(),
  /** When the runner handed the answer to Codex. */
  deliveredAt: z.string().nullable(),
});
export type ApprovalRecord = z.infer<typeof approvalRecordSchema>;

export const turnSchema = z.object({
  turn: z.number().int().min(1),
  status: z.enum(STATUSES),
  createdAt: isoTime,
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  timeoutSeconds: z.number(),
  heartbeatSeconds: z.number(),
  maxTokens: z.number().nullable().default(null),
  notify: routeSchema.nullable(),
  /** `edit`: one heartbeat message per turn, edited in place; `new`: a new message each interval. */
  heartbeatStyle: z.enum(['new', 'edit']).default('new'),
  heartbeatMessageId: z.string().nullable().default(null),
  /** The runner process owning this turn; its pid is also the process group id of Codex. */
  runner: processRefSchema.nullable(),
  lastEventAt: z.string().nullable(),
  activity: z.string(),
  counters: countersSchema,
  usage: usageSchema,
  filesChanged: z.array(z.string()),
  commands: z.array(commandRecordSchema),
  exitCode: z.number().nullable(),
  error: z.string().nullable(),
  errorKind: z.enum(ERROR_KINDS).nullable(),
  cancel: z.object({ at: z.string(), reason: z.string() }).nullable(),
  resultChars: z.number().nullable(),
  /** For usage-limit failures: when Codex said the limit resets. */
  resetsAt: z.string().nullable().default(null),
  /** Names the prompt and settings files the accepting server wrote for this turn (Paths.turnInput). */
  inputId: z.string().regex(/^[0-9a-f]{8,32}$/).nullable().default(null),
  /** The latest error Codex reported while the turn ran (e.g. a `Reconnecting... 3/5` notice). */
  lastError: z.string().nullable().default(null),
  /** Set when the stored answer is shorter than the one Codex gave (resultChars): only this many characters were kept. */
  resultStoredChars: z.number().nullable().default(null),
  /** The snapshot of the git work tree taken before Codex started; absent outside git and in older records. */
  diffStart: turnStartSchema.nullable().optional(),
  /** What this turn changed in the repository (paths relative to its root); absent outside git. */
  diff: treeDiffSchema.nullable().optional(),
  /** Isolated sessions: everything the worktree holds against its base after this turn. */
  cumulativeDiff: treeDiffSchema.nullable().optional(),
  /** Why no diff could be recorded (the turn itself is not failed by it). */
  diffNote: z.string().nullable().optional(),
  steers: z.array(steerRecordSchema).default([]),
  approvals: z.enum(APPROVAL_MODES).default('never'),
  approvalTimeoutSeconds: z.number().default(DEFAULT_APPROVAL_TIMEOUT_SECONDS),
  approvalRequests: z.array(approvalRecordSchema).default([]),
  /** Local image files sent with the prompt (absolute paths). */
  images: z.array(z.string()).default([]),
  /** A JSON Schema the final answer must follow; codex_result then parses it. */
  outputSchema: z.record(z.string(), z.unknown()).nullable().default(null),
});
export type Turn = z.infer<typeof turnSchema>;

export const NOTIFICATION_KINDS = ['launch', 'heartbeat', 'final', 'wake', 'approval', 'approval_wake'] as const;

/** A message waiting to go to OpenClaw, persisted before it is sent (the durable outbox). */
export const outboxEntrySchema = z.object({
  id: z.string(),
  /** approval: a ❓ chat message (or its expiry note); approval_wake: the agent woken for it. */
  kind: z.enum(['launch', 'final', 'wake', 'approval', 'approval_wake']),
  turn: z.number(),
  /** For approval entries: the request they are about (one message and one wake per request). */
  requestId: z.string().optional(),
  text: z.string(),
  /** For wakes: the path chosen by the process that queued it, so any process sends it the same way. */
  via: z.enum(['hooks', 'sessions_send']).optional(),
  state: z.enum(['pending', 'sending', 'sent', 'failed', 'unknown', 'superseded']),
  attempts: z.number(),
  maxAttempts: z.number(),
  nextAttemptAt: z.string(),
  /** Who is sending it right now; a claim by a dead process means the outcome is unknown. */
  claim: processRefSchema.nullable(),
});
export type OutboxEntry = z.infer<typeof outboxEntrySchema>;

/** The outcome of one attempt to notify, shown by codex_status. */
export const notificationRecordSchema = z.object({
  kind: z.enum(NOTIFICATION_KINDS),
  turn: z.number(),
  at: z.string(),
  ok: z.boolean(),
  httpStatus: z.number().nullable(),
  error: z.string().nullable(),
  /** sending: in flight now; unknown: sent in full, no answer in time, not sent again; superseded: a 🚀 dropped for the final. */
  outcome: z.enum(['sending', 'delivered', 'failed', 'unknown', 'superseded']).optional(),
});
export type NotificationRecord = z.infer<typeof notificationRecordSchema>;

export const WORKTREE_STATES = ['active', 'applied', 'kept', 'discarded'] as const;
export type WorktreeState = (typeof WORKTREE_STATES)[number];

export const sessionWorktreeSchema = isolatedWorktreeSchema.extend({
  state: z.enum(WORKTREE_STATES),
  /** When it was applied, kept or discarded. */
  settledAt: z.string().nullable().default(null),
  /** A codex_apply at work on it: resumes wait until it is done (a dead owner's claim counts for nothing). */
  busy: z.object({ pid: z.number(), startTime: z.string().nullable(), action: z.string() }).nullable().optional(),
});
export type SessionWorktree = z.infer<typeof sessionWorktreeSchema>;

export const sessionSchema = z.object({
  id: z.string().regex(SESSION_ID_PATTERN),
  label: z.string().nullable(),
  cwd: z.string(),
  /** cwd with symlinks resolved, for the one-writer-per-directory rule; absent in records from before it. */
  realCwd: z.string().optional(),
  sandbox: z.enum(SANDBOXES),
  model: z.string().nullable(),
  reasoningEffort: z.enum(REASONING_EFFORTS).nullable(),
  allowConcurrentWrites: z.boolean().default(false),
  createdAt: isoTime,
  threadId: z.string().nullable(),
  turns: z
    .array(turnSchema)
    .min(1)
    .refine((turns) => turns.every((t, i) => t.turn === i + 1), { error: 'turn numbers must be 1, 2, 3… in order' }),
  outbox: z.array(outboxEntrySchema).default([]),
  notifications: z.array(notificationRecordSchema).default([]),
  /** A notification problem the user can fix in OpenClaw's config (e.g. a refused sessionKey). */
  notifyWarning: z.string().nullable().default(null),
  /** `isolation: "worktree"`: the session's own worktree and what became of it; absent for non-isolated sessions. */
  worktree: sessionWorktreeSchema.optional(),
});
export type Session = z.infer<typeof sessionSchema>;

/** What an engine reports of a running turn, in the registry's terms; each engine's fold state extends it. */
export interface TurnProgress {
  threadId: string | null;
  activity: string;
  counters: Counters;
  usage: Usage;
  filesChanged: string[];
  commands: CommandRecord[];
  /** The latest top-level error Codex reported (a retry notice, or the failure about to be reported). */
  lastErrorEvent: string | null;
}

export const ZERO_COUNTERS: Counters = Object.freeze({ commands: 0, fileChanges: 0, messages: 0, errors: 0 });
export const ZERO_USAGE: Usage = Object.freeze({ inputTokens: 0, cachedInputTokens: 0, cacheWriteInputTokens: 0, outputTokens: 0, reasoningOutputTokens: 0 });

export function newTurn(
  turn: number,
  now: string,
  options: { timeoutSeconds: number; heartbeatSeconds: number; heartbeatStyle: 'new' | 'edit'; maxTokens: number | null; notify: Route | null },
  inputId: string | null = null,
  interactive: TurnInteraction = {},
): Turn {
  return {
    turn,
    status: 'queued',
    createdAt: now,
    startedAt: null,
    endedAt: null,
    ...options,
    heartbeatMessageId: null,
    runner: null,
    lastEventAt: null,
    activity: 'waiting to start',
    counters: { ...ZERO_COUNTERS },
    usage: { ...ZERO_USAGE },
    filesChanged: [],
    commands: [],
    exitCode: null,
    error: null,
    errorKind: null,
    cancel: null,
    resultChars: null,
    resetsAt: null,
    inputId,
    lastError: null,
    resultStoredChars: null,
    steers: [],
    approvals: interactive.approvals ?? 'never',
    approvalTimeoutSeconds: interactive.approvalTimeoutSeconds ?? DEFAULT_APPROVAL_TIMEOUT_SECONDS,
    approvalRequests: [],
    images: interactive.images ?? [],
    outputSchema: interactive.outputSchema ?? null,
  };
}

/** The app-server options of a turn, chosen by launch or resume. */
export interface TurnInteraction {
  approvals?: ApprovalMode;
  approvalTimeoutSeconds?: number;
  images?: string[];
  outputSchema?: Record<string, unknown> | null;
}

export function latestTurn(session: Session): Turn {
  // turns has min(1) in the schema; a session is always created with its first turn.
  return session.turns[session.turns.length - 1]!;
}

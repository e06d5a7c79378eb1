import { parseJsonLine, preview } from '../json-line.ts';
import { z } from 'zod';

/**
 * The messages of `codex app-server` (JSON-RPC over stdio, one JSON object per
 * line, no "jsonrpc" field) that this engine uses, validated rather than cast.
 * Schemas are loose (unknown fields pass) and an unknown method parses as
 * `unknown`, because Codex adds methods and fields between releases.
 * Checked against `codex app-server generate-ts` of 0.171.0.
 */

const tokenTotals = z.looseObject({
  inputTokens: z.number().default(0),
  cachedInputTokens: z.number().default(0),
  cacheWriteInputTokens: z.number().default(0),
  outputTokens: z.number().default(0),
  reasoningOutputTokens: z.number().default(0),
});
export type TokenTotals = z.infer<typeof tokenTotals>;

const commandAction = z.looseObject({ type: z.string().optional(), command: z.string().optional() });
const fileUpdate = z.looseObject({ path: z.string() });

const userMessage = z.looseObject({ type: z.literal('userMessage'), id: z.string() });
const agentMessage = z.looseObject({ type: z.literal('agentMessage'), id: z.string(), text: z.string().default('') });
const reasoning = z.looseObject({ type: z.literal('reasoning'), id: z.string() });
const commandExecution = z.looseObject({
  type: z.literal('commandExecution'),
  id: z.string(),
  command: z.string(),
  commandActions: z.array(commandAction).default([]),
  exitCode: z.number().nullish(),
  /** inProgress | completed | failed | declined */
  status: z.string().optional(),
});
const fileChange = z.looseObject({
  type: z.literal('fileChange'),
  id: z.string(),
  changes: z.array(fileUpdate).default([]),
  status: z.string().optional(),
});
const mcpToolCall = z.looseObject({ type: z.literal('mcpToolCall'), id: z.string(), server: z.string().optional(), tool: z.string().optional() });
const webSearch = z.looseObject({ type: z.literal('webSearch'), id: z.string(), query: z.string().optional() });

const knownItem = z.discriminatedUnion('type', [userMessage, agentMessage, reasoning, commandExecution, fileChange, mcpToolCall, webSearch]);
const item = z.union([
  knownItem,
  z.looseObject({ type: z.string(), id: z.string().optional() }).transform((raw) => ({ ...raw, type: 'unknown' as const, rawType: raw.type })),
]);
export type AppServerItem = z.infer<typeof item>;

const turnError = z.looseObject({ message: z.string(), additionalDetails: z.string().nullish() });
const turn = z.looseObject({
  id: z.string(),
  /** inProgress | completed | interrupted | failed */
  status: z.string(),
  error: turnError.nullish(),
});
export type TurnStatus = 'completed' | 'interrupted' | 'failed';

const itemParams = { item, threadId: z.string(), turnId: z.string() };

/** Server notifications (no id). */
const knownNotification = z.discriminatedUnion('method', [
  z.looseObject({ method: z.literal('thread/started'), params: z.looseObject({ thread: z.looseObject({ id: z.string() }) }) }),
  z.looseObject({ method: z.literal('turn/started'), params: z.looseObject({ threadId: z.string(), turn }) }),
  z.looseObject({ method: z.literal('turn/completed'), params: z.looseObject({ threadId: z.string(), turn }) }),
  z.looseObject({ method: z.literal('item/started'), params: z.looseObject(itemParams) }),
  z.looseObject({ method: z.literal('item/completed'), params: z.looseObject(itemParams) }),
  // The text is in item/completed; deltas only say that the answer is being written.
  z.looseObject({ method: z.literal('item/agentMessage/delta'), params: z.looseObject({ turnId: z.string() }) }),
  z.looseObject({
    method: z.literal('thread/tokenUsage/updated'),
    params: z.looseObject({ threadId: z.string(), turnId: z.string(), tokenUsage: z.looseObject({ total: tokenTotals }) }),
  }),
  z.looseObject({
    method: z.literal('error'),
    params: z.looseObject({ error: turnError, willRetry: z.boolean().default(false), turnId: z.string().optional() }),
  }),
  z.looseObject({ method: z.literal('warning'), params: z.looseObject({ message: z.string().default('') }) }),
  z.looseObject({ method: z.literal('configWarning'), params: z.looseObject({ summary: z.string().default('') }) }),
  z.looseObject({ method: z.literal('turn/diff/updated'), params: z.looseObject({ turnId: z.string(), diff: z.string().default('') }) }),
  z.looseObject({ method: z.literal('serverRequest/resolved'), params: z.looseObject({ requestId: z.union([z.number(), z.string()]) }) }),
]);
export type KnownNotification = z.infer<typeof knownNotification>;
export type Notification = KnownNotification | { method: 'unknown'; rawMethod: string };

/** A decision as the server lists it: a word, or an object keyed by one (e.g. `acceptWithExecpolicyAmendment`). */
const decision = z.union([z.string(), z.record(z.string(), z.unknown()).transform((object) => Object.keys(object)[0] ?? 'unknown')]);

const approvalBase = { threadId: z.string(), turnId: z.string(), itemId: z.string(), reason: z.string().nullish() };

/** Server-initiated requests (id and method) that need an answer before the turn goes on. */
const knownServerRequest = z.discriminatedUnion('method', [
  z.looseObject({
    method: z.literal('item/commandExecution/requestApproval'),
    params: z.looseObject({
      ...approvalBase,
      command: z.string().nullish(),
      cwd: z.string().nullish(),
      commandActions: z.array(commandAction).nullish(),
      availableDecisions: z.array(decision).nullish(),
    }),
  }),
  z.looseObject({
    method: z.literal('item/fileChange/requestApproval'),
    params: z.looseObject({ ...approvalBase, grantRoot: z.string().nullish() }),
  }),
  z.looseObject({
    method: z.literal('item/permissions/requestApproval'),
    params: z.looseObject({ ...approvalBase, cwd: z.string().nullish(), permissions: z.looseObject({}) }),
  }),
]);
export type KnownServerRequest = z.infer<typeof knownServerRequest>;
export type ServerRequest = KnownServerRequest | { method: 'unknown'; rawMethod: string };

export type RequestId = number | string;

/** One line from the server, sorted by its shape. */
export type IncomingMessage =
  | { kind: 'response'; id: RequestId; result: unknown }
  | { kind: 'error-response'; id: RequestId; code: number; message: string }
  | { kind: 'notification'; notification: Notification }
  | { kind: 'request'; id: RequestId; request: ServerRequest };

const envelope = z.looseObject({
  id: z.union([z.number(), z.string()]).optional(),
  method: z.string().optional(),
  result: z.unknown().optional(),
  error: z.looseObject({ code: z.number().default(0), message: z.string().default('') }).optional(),
});

export type ParsedMessage = { ok: true; message: IncomingMessage } | { ok: false; reason: string };

/** Parses one stdout line of the app-server. Never throws. */
export function parseMessage(line: string): ParsedMessage {
  const parsed = parseJsonLine(line);
  if (!parsed.ok) return parsed;
  const { json, text: trimmed } = parsed;
  const shape = envelope.safeParse(json);
  if (!shape.success) return { ok: false, reason: `not a JSON-RPC message: ${preview(trimmed)}` };
  const { id, method, error } = shape.data;
  if (method === undefined) {
    if (id === undefined) return { ok: false, reason: `neither id nor method: ${preview(trimmed)}` };
    if (error) return { ok: true, message: { kind: 'error-response', id, code: error.code, message: error.message } };
    return { ok: true, message: { kind: 'response', id, result: shape.data.result } };
  }
  if (id !== undefined) {
    // A request must be answered even when malformed (the turn waits for it), so it parses as unknown.
    const known = knownServerRequest.safeParse(json);
    const request: ServerRequest = known.success ? known.data : { method: 'unknown', rawMethod: method };
    return { ok: true, message: { kind: 'request', id, request } };
  }
  const known = knownNotification.safeParse(json);
  if (known.success) return { ok: true, message: { kind: 'notification', notification: known.data } };
  if (isKnown(knownNotification, method)) return { ok: false, reason: malformed(method, known.error) };
  return { ok: true, message: { kind: 'notification', notification: { method: 'unknown', rawMethod: method } } };
}

function isKnown(union: typeof knownNotification, method: string): boolean {
  return union.options.some((option) => option.shape.method.value === method);
}

function malformed(method: string, error: z.ZodError): string {
  const issue = error.issues[0];
  return `malformed ${method}: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'no details'}`;
}

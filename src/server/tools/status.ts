import { z } from 'zod';
import { errorMessage } from '../../errors.ts';
import { deliverLeftovers, reconcileAndStartBeforeRead } from '../../runner/housekeeping.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../errors.ts';
import { activeSessions, queueOrder } from '../../store/queries.ts';
import { decodeCursor, encodeCursor } from '../../store/session-list.ts';
import { DEFAULT_LOCK_WAIT_MS } from '../../store/registry-lock.ts';
import { isActive, latestTurn, STATUSES, type Session } from '../../store/session.ts';
import { requireSession, sessionIdField, strictInput, typeError } from '../inputs.ts';
import { defineTool, type ToolDeps, type ToolRequest } from '../tool.ts';
import { statusDetails, statusLine, statusViewSchema, toStatusView, type StatusView } from '../views.ts';

const input = strictInput({
  sessionId: sessionIdField.optional().describe('One session; omit to list sessions, newest first'),
  status: z.enum(STATUSES, { error: `status must be one of ${STATUSES.join(', ')}.` }).optional().describe('List filter'),
  waitSeconds: z
    .number(typeError('waitSeconds must be a number.'))
    .min(0, { error: 'waitSeconds must be 0 or more.' })
    .max(50, { error: 'waitSeconds must be at most 50 (clients time out tool calls after about 60 s); call again to keep waiting.' })
    .optional()
    .describe('With sessionId: wait up to this long for the session to finish or to ask for an approval (0..50)'),
  limit: z
    .number(typeError('limit must be a number.'))
    .int({ error: 'limit must be a whole number.' })
    .min(1, { error: 'limit must be at least 1.' })
    .max(200, { error: 'limit must be at most 200.' })
    .optional()
    .describe('List size (default 20)'),
  cwd: z
    .string(typeError('cwd must be a string: an absolute directory path.'))
    .refine((v) => path.isAbsolute(v), { error: 'cwd must be an absolute directory path.' })
    .optional()
    .describe('List filter: sessions run in this directory or below it'),
  label: z.string(typeError('label must be a string.')).max(200, { error: 'label must be at most 200 characters.' }).optional().describe('List filter: label contains this (any case)'),
  since: isoTime('since').optional().describe('List filter: created at or after this ISO time'),
  until: isoTime('until').optional().describe('List filter: created before this ISO time'),
  cursor: z.string(typeError('cursor must be the nextCursor string of a previous listing.')).max(500).optional().describe('nextCursor of the previous page'),
});

function isoTime(name: string) {
  return z
    .string(typeError(`${name} must be an ISO time such as "2026-12-01T00:00:00Z".`))
    .refine((v) => !Number.isNaN(Date.parse(v)), { error: `${name} must be an ISO time such as "2026-12-01T00:00:00Z".` })
    .transform((v) => new Date(v).toISOString());
}

const LIST_FILTERS = ['status', 'limit', 'cwd', 'label', 'since', 'until', 'cursor'] as const;

// One object for both shapes: a single session's fields, or `sessions` (and `nextCursor`) for a listing.
const output = statusViewSchema.partial().extend({
  sessions: z.array(statusViewSchema).optional(),
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: z.string().nullable().optional(),
});

export const statusTool = defineTool({
  name: 'codex_status',
  title: 'Codex task status',
  description:
    'Status of one Codex session (what it is doing, counters, tokens), or a list of recent sessions. With waitSeconds, waits for the session to finish.',
  inputSchema: input,
  outputSchema: output,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  async handler(args, deps, request) {
    const began = Date.now();
    await reconcileAndStartBeforeRead(deps);
    // Notifications a dead or exhausted sender left: sent in the background, never delaying the answer.
    deliverLeftovers(deps).catch((error) => deps.log(`notify: ${errorMessage(error)}`));
    const now = Date.now();
    const data = await deps.registry.read();
    const positions = new Map(queueOrder(activeSessions(data)).map((s, index) => [s.id, index + 1]));
    if (args.sessionId) {
      const filters = LIST_FILTERS.filter((name) => args[name] !== undefined);
      if (filters.length > 0) {
        const one = filters.length === 1;
        throw new UserError('bad_input', `${filters.join(', ')} appl${one ? 'ies' : 'y'} to listings only; drop sessionId to list sessions, or leave ${one ? 'it' : 'them'} out.`);
      }
      let session = await requireSession(deps.registry, args.sessionId);
      // The wait counts from the call, housekeeping included.
      if (args.waitSeconds) session = await waitWhileActive(deps, session, args.waitSeconds * 1000 - (Date.now() - began), request);
      return toStatusView(session, Date.now(), positions.get(session.id) ?? null);
    }
    // Live and archived sessions alike; a damaged record is left out with a notice.
    const filter = {
      status: args.status,
      label: args.label,
      since: args.since,
      until: args.until,
      cwd: args.cwd ? [path.normalize(args.cwd), await realpath(args.cwd).catch(() => path.normalize(args.cwd!))] : undefined,
    };
    const page = await deps.registry.list(filter, args.cursor ? decodeCursor(args.cursor) : null, args.limit ?? 20);
    const sessions = page.sessions.map((session) => toStatusView(session, now, positions.get(session.id) ?? null, true));
    return { sessions, nextCursor: page.nextCursor ? encodeCursor(page.nextCursor) : null };
  },
  summary: (out) => {
    if (out.sessions) {
      const lines = out.sessions.length === 0 ? ['No sessions match.'] : out.sessions.map((s) => statusLine(s));
      if (out.nextCursor) lines.push(`More: call codex_status again with cursor "${out.nextCursor}".`);
      return lines.join('\n');
    }
    return statusDetails(out as StatusView);
  },
});

/** How often a waiting status call looks at the registry: a stat, and a parse only when the file changed. */
const WAIT_POLL_MS = 100;
const PROGRESS_EVERY_MS = 5000;

/**
 * Long-poll: returns as soon as the session is no longer queued/running, or
 * when the time is up, or at once when the client cancels the request.
 * Sends MCP progress notifications while waiting if the client asked for them:
 * one at once, then every few seconds. They measure the task, not this wait:
 * `progress` is the turn's elapsed seconds (it only grows, as MCP requires;
 * there is no total, since nobody knows when Codex will finish) and the
 * message is the status line with the activity.
 */
async function waitWhileActive(deps: ToolDeps, session: Session, waitMs: number, request: ToolRequest): Promise<Session> {
  const started = Date.now();
  const progressToken = request._meta?.progressToken;
  let lastProgress = -Infinity;
  let lastValue = -1;
  let current = session;
  const asking = (s: Session) => latestTurn(s).approvalRequests.some((r) => r.decision === null);
  // Returns as soon as the turn ends, or while an approval request waits for an answer: the caller has to act.
  while (isActive(latestTurn(current).status) && !asking(current) && !request.signal.aborted) {
    if (progressToken !== undefined && Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
      lastProgress = Date.now();
      const view = toStatusView(current, lastProgress);
      // Queued turns have no elapsed time yet; progress must still increase with every notification.
      lastValue = Math.max(view.elapsedSeconds, lastValue + 0.001);
      await request
        .sendNotification({ method: 'notifications/progress', params: { progressToken, progress: lastValue, message: statusLine(view) } })
        .catch(() => undefined);
    }
    const left = started + waitMs - Date.now();
    if (left <= 0) break;
    await sleep(Math.min(WAIT_POLL_MS, left), undefined, { signal: request.signal }).catch(() => undefined);
    // Housekeeping may wait for the registry lock (up to DEFAULT_LOCK_WAIT_MS): only while that still fits
    // in the wait, so the answer never comes after the time the caller asked for (clients give up at 60 s).
    if (started + waitMs - Date.now() > DEFAULT_LOCK_WAIT_MS + 1000) await reconcileAndStartBeforeRead(deps);
    current = (await deps.registry.getSession(session.id)) ?? current;
  }
  return current;
}

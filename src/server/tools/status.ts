import { z } from 'zod';
import { errorMessage } from '../../errors.ts';
import { deliverLeftovers, reconcileAndStart } from '../../notify/housekeeping.ts';
import type { RegistryData } from '../../store/registry.ts';
import { latestTurn, sessionSchema, STATUSES, type Session } from '../../store/session.ts';
import { requireSession, sessionIdField, strictInput } from '../inputs.ts';
import { defineTool } from '../tool.ts';
import { statusLine, statusViewSchema, toStatusView, type StatusView } from '../views.ts';

const input = strictInput({
  sessionId: sessionIdField.optional().describe('One session; omit to list sessions, newest first'),
  status: z.enum(STATUSES, { error: `status must be one of ${STATUSES.join(', ')}.` }).optional().describe('List filter'),
  limit: z
    .number({ error: 'limit must be a number.' })
    .int()
    .min(1, { error: 'limit must be at least 1.' })
    .max(200, { error: 'limit must be at most 200.' })
    .optional()
    .describe('List size (default 20)'),
});

// One object for both shapes: a single session's fields, or `sessions` for a listing.
const output = statusViewSchema.partial().extend({ sessions: z.array(statusViewSchema).optional() });

export const statusTool = defineTool({
  name: 'codex_status',
  title: 'Codex task status',
  description: 'Status of one Codex session (what it is doing, counters, tokens), or a list of recent sessions.',
  inputSchema: input,
  outputSchema: output,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  async handler(args, deps) {
    await reconcileAndStart(deps);
    // Notifications a dead or exhausted sender left: sent in the background, never delaying the answer.
    deliverLeftovers(deps).catch((error) => deps.log(`notify: ${errorMessage(error)}`));
    const now = Date.now();
    const data = await deps.registry.read();
    const positions = queuePositions(data);
    if (args.sessionId) {
      const session = await requireSession(deps.registry, args.sessionId);
      return toStatusView(session, now, positions.get(session.id) ?? null);
    }
    const sessions = Object.values(data.sessions)
      .filter((s) => !args.status || latestTurn(s).status === args.status)
      .sort(newestFirst)
      .slice(0, args.limit ?? 20)
      .map((raw) => {
        const session = sessionSchema.parse(raw);
        return toStatusView(session, now, positions.get(session.id) ?? null);
      });
    return { sessions };
  },
  summary: (out) => {
    if (out.sessions) return out.sessions.length === 0 ? 'No sessions.' : out.sessions.map((s) => statusLine(s)).join('\n');
    return statusLine(out as StatusView);
  },
});

function newestFirst(a: Session, b: Session): number {
  return b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id);
}

/** 1-based positions of queued sessions, in the order the scheduler will start them. */
function queuePositions(data: RegistryData): Map<string, number> {
  const queued = Object.values(data.sessions)
    .filter((s) => latestTurn(s).status === 'queued')
    .sort((a, b) => latestTurn(a).createdAt.localeCompare(latestTurn(b).createdAt) || a.id.localeCompare(b.id));
  return new Map(queued.map((s, index) => [s.id, index + 1]));
}

import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { UserError } from '../../errors.ts';
import { reconcileAndStart } from '../../runner/housekeeping.ts';
import { APPROVAL_DECISIONS, STATUSES, type ApprovalAnswer } from '../../store/session.ts';
import { requireSession, sessionIdField, strictInput, typeError } from '../inputs.ts';
import { defineTool } from '../tool.ts';

const input = strictInput({
  sessionId: sessionIdField,
  requestId: z
    .string(typeError('requestId must be a string: the id of a request listed in pendingApprovals of codex_status.'))
    .regex(/^[0-9a-f]{8}$/, { error: 'requestId is not a request id; use one listed in pendingApprovals of codex_status.' })
    .describe('The request to answer (pendingApprovals in codex_status, or the ❓ message)'),
  decision: z
    .enum(APPROVAL_DECISIONS, { error: 'decision must be "approve", "approve_for_session" or "deny".' })
    .describe('"approve" this once, "approve_for_session" (the same kind of request is not asked again in this session), or "deny"'),
  reason: z.string(typeError('reason must be a string.')).max(1000, { error: 'reason must be at most 1000 characters.' }).optional().describe('Why, for the record'),
});

const output = z.object({
  sessionId: z.string(),
  requestId: z.string(),
  decision: z.enum(APPROVAL_DECISIONS),
  status: z.enum(STATUSES),
});

/** How long the call waits for the runner to hand the answer to Codex; it is delivered later all the same. */
const DELIVERY_WAIT_MS = 3000;

export const approveTool = defineTool({
  name: 'codex_approve',
  title: 'Answer a Codex approval request',
  description:
    'Approve or deny a request Codex made in a session launched with approvals: "ask" (listed in pendingApprovals of codex_status). Unanswered requests are denied when they expire.',
  inputSchema: input,
  outputSchema: output,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async handler(args, deps) {
    await reconcileAndStart(deps);
    const session = await requireSession(deps.registry, args.sessionId);
    // Persist first: the runner delivers what the registry says, once.
    const answered = await deps.registry.update((data) => {
      const current = data.sessions[session.id];
      for (const turn of current?.turns ?? []) {
        const request = turn.approvalRequests.find((r) => r.requestId === args.requestId);
        if (!request) continue;
        if (request.decision !== null) {
          throw new UserError(
            'conflict',
            request.decidedBy === 'expiry'
              ? `Request ${args.requestId} expired at ${request.expiresAt} and was denied; Codex went on without it.`
              : `Request ${args.requestId} was already answered (${request.decision} at ${request.decidedAt}); an answer cannot be changed.`,
          );
        }
        if (turn.status !== 'running') throw new UserError('conflict', `Request ${args.requestId} can no longer be answered: its turn ended (${turn.status}).`);
        if (Date.parse(request.expiresAt) <= Date.now()) throw new UserError('conflict', `Request ${args.requestId} expired at ${request.expiresAt}; it is being denied.`);
        Object.assign(request, { decision: args.decision, decidedBy: 'caller', decidedAt: new Date().toISOString(), note: args.reason ?? null });
        return turn.turn;
      }
      throw new UserError('not_found', `Session ${session.id} has no approval request ${args.requestId}; see pendingApprovals in codex_status for the ones waiting.`);
    });
    const deadline = Date.now() + DELIVERY_WAIT_MS;
    for (;;) {
      const turn = (await deps.registry.getSession(session.id))?.turns[answered - 1];
      const delivered = turn?.approvalRequests.find((r) => r.requestId === args.requestId)?.deliveredAt != null;
      if (delivered || !turn || turn.status !== 'running' || Date.now() > deadline) {
        return { sessionId: session.id, requestId: args.requestId, decision: args.decision as ApprovalAnswer, status: turn?.status ?? 'running' };
      }
      await sleep(25);
    }
  },
  summary: (out) => `Request ${out.requestId} of ${out.sessionId}: ${out.decision.replaceAll('_', ' ')}d (${out.status}).`,
});

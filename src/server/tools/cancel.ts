import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { signalGroup } from '../../process/group.ts';
import { startReadyTurns } from '../../runner/scheduler.ts';
import { errorMessage } from '../../errors.ts';
import { deliverLeftovers, reconcileAndStart } from '../../runner/housekeeping.ts';
import { isActive, latestTurn, STATUSES } from '../../store/session.ts';
import { finishTurn } from '../../store/transitions.ts';
import { discardTurnEnv } from '../../store/turn-input.ts';
import { requireSession, sessionIdField, strictInput, typeError } from '../inputs.ts';
import { defineTool, type ToolDeps } from '../tool.ts';

const input = strictInput({
  sessionId: sessionIdField,
  reason: z.string(typeError('reason must be a string.')).max(500, { error: 'reason must be at most 500 characters.' }).optional(),
});

const output = z.object({
  sessionId: z.string(),
  turn: z.number(),
  status: z.enum(STATUSES),
  alreadyFinished: z.boolean(),
});

/** How long cancel waits for the runner to record `cancelled` before answering anyway. */
const SETTLE_MS = 5000;

type Action = { kind: 'finished' } | { kind: 'signal'; pgid: number } | { kind: 'done' };

export const cancelTool = defineTool({
  name: 'codex_cancel',
  title: 'Cancel a Codex task',
  description: 'Stop a queued or running Codex session and every process it started. A finished session is left as it is.',
  inputSchema: input,
  outputSchema: output,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  async handler(args, deps) {
    await reconcileAndStart(deps);
    const session = await requireSession(deps.registry, args.sessionId);
    const reason = args.reason?.trim() || 'cancelled by the caller';
    const turnNo = latestTurn(session).turn;
    if (!isActive(latestTurn(session).status)) {
      return { sessionId: session.id, turn: turnNo, status: latestTurn(session).status, alreadyFinished: true };
    }
    const action = await deps.registry.update((data): Action => {
      const current = data.sessions[session.id];
      const turn = current?.turns[turnNo - 1];
      if (!current || !turn || !isActive(turn.status)) return { kind: 'finished' };
      turn.cancel = { at: new Date().toISOString(), reason };
      // Without a runner there is no process to stop: the turn ends here. With one, the runner
      // records the end once Codex is down, so the result and notifications come from one place.
      if (!turn.runner) {
        finishTurn(turn, { status: 'cancelled', exitCode: null, error: `Cancelled: ${reason}`, errorKind: 'cancelled', resultChars: null }, turn.cancel.at);
        deps.notifier?.enqueueFinal(current, turn, null, turn.cancel.at);
        return { kind: 'done' };
      }
      return { kind: 'signal', pgid: turn.runner.pid };
    });
    // The runner alone: it interrupts the turn through Codex first (which records it), then stops the group.
    // A runner that is gone already cannot: its group gets the signal directly.
    if (action.kind === 'signal' && !signalProcess(action.pgid, 'SIGTERM')) signalGroup(action.pgid, 'SIGTERM');
    if (action.kind === 'done') {
      await discardTurnEnv(deps.paths, session.id, turnNo, latestTurn(session).inputId);
      await startReadyTurns(deps.config, deps.registry, deps.paths);
      deliverLeftovers(deps).catch((error) => deps.log(`notify: ${errorMessage(error)}`));
    }
    const status = action.kind === 'signal' ? await settle(deps, session.id, turnNo) : (await requireSession(deps.registry, session.id)).turns[turnNo - 1]!.status;
    return { sessionId: session.id, turn: turnNo, status, alreadyFinished: action.kind === 'finished' };
  },
  summary: (out) =>
    out.alreadyFinished
      ? `Session ${out.sessionId} had already finished (${out.status}); nothing was changed.`
      : `Session ${out.sessionId} turn ${out.turn}: ${out.status === 'cancelled' ? 'cancelled' : `stop requested (${out.status})`}.`,
});

async function settle(deps: ToolDeps, sessionId: string, turnNo: number) {
  const deadline = Date.now() + SETTLE_MS;
  for (;;) {
    const turn = (await deps.registry.getSession(sessionId))?.turns[turnNo - 1];
    if (!turn || !isActive(turn.status) || Date.now() > deadline) return turn?.status ?? 'cancelled';
    await sleep(50);
  }
}

function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

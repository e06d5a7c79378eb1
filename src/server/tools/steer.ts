import { randomBytes } from 'node:crypto';
import { appendFile, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { EXEC_CANNOT } from '../../codex/exec/engine.ts';
import { UserError } from '../../errors.ts';
import { reconcileAndStart } from '../../runner/housekeeping.ts';
import { writePrivateFile } from '../../store/private-file.ts';
import { latestTurn, STATUSES, type SteerRecord } from '../../store/session.ts';
import { requireSession, sessionIdField, strictInput, typeError } from '../inputs.ts';
import { defineTool } from '../tool.ts';

const input = strictInput({
  sessionId: sessionIdField,
  prompt: z
    .string(typeError('prompt must be a string: the text to add to the running turn.'))
    .max(20_000, { error: 'prompt is longer than 20000 characters; put the details in a file in cwd and point Codex to it.' })
    .refine((value) => value.trim() !== '', { error: 'prompt is empty; say what Codex should do differently.' })
    .describe('Text Codex reads as a new user message in the turn it is running'),
});

const output = z.object({
  sessionId: z.string(),
  turn: z.number(),
  status: z.enum(STATUSES),
  /** True once the text reached Codex (running turn) or joined the prompt (queued turn); false while the runner still has it to deliver. */
  delivered: z.boolean(),
});

/** How long the call waits for the runner to hand the text to Codex before answering `delivered: false` (it is delivered later all the same). */
const DELIVERY_WAIT_MS = 3000;

const finished = (id: string, status: string) =>
  new UserError(
    'conflict',
    `Session ${id} is not running (its latest turn is ${status}), so there is no turn to steer; continue it with codex_resume and this text as the prompt.`,
  );

type Accepted = { kind: 'running' | 'queued'; turn: number } | { kind: 'finished'; status: string };

export const steerTool = defineTool({
  name: 'codex_steer',
  title: 'Steer a running Codex task',
  description:
    'Add text to the turn Codex is running (it reads it as a new user message at its next step), or to the prompt of a queued turn. A finished session is continued with codex_resume instead.',
  inputSchema: input,
  outputSchema: output,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async handler(args, deps) {
    if (deps.config.engine === 'exec') throw new UserError('conflict', EXEC_CANNOT('codex_steer'));
    await reconcileAndStart(deps);
    const session = await requireSession(deps.registry, args.sessionId);
    const turnNo = latestTurn(session).turn;
    const id = randomBytes(8).toString('hex');
    const steerFile = deps.paths.steerFile(session.id, turnNo, id);
    // Persist first: the text is on disk before the registry says there is a steer to deliver.
    await writePrivateFile(steerFile, args.prompt);
    const accepted = await deps.registry.update(async (data): Promise<Accepted> => {
      const current = data.sessions[session.id];
      const turn = current?.turns.at(-1);
      if (!current || !turn || turn.turn !== turnNo) return { kind: 'finished', status: turn?.status ?? 'forgotten' };
      const now = new Date().toISOString();
      const record: SteerRecord = { id, at: now, chars: args.prompt.length, deliveredAt: null, refused: null };
      if (turn.status === 'queued') {
        // Under the lock, before the scheduler can move the turn to running: its runner reads the whole prompt.
        await appendFile(deps.paths.turnInput(session.id, turnNo, turn.inputId, 'prompt.txt'), `\n\n${args.prompt}`, { mode: 0o600 });
        turn.steers.push({ ...record, deliveredAt: now });
        return { kind: 'queued', turn: turnNo };
      }
      if (turn.status !== 'running' || turn.cancel) return { kind: 'finished', status: turn.cancel ? 'being cancelled' : turn.status };
      turn.steers.push(record);
      return { kind: 'running', turn: turnNo };
    });
    if (accepted.kind === 'finished') {
      await rm(steerFile, { force: true });
      throw finished(session.id, accepted.status);
    }
    if (accepted.kind === 'queued') {
      await rm(steerFile, { force: true });
      return { sessionId: session.id, turn: accepted.turn, status: 'queued' as const, delivered: true };
    }
    const deadline = Date.now() + DELIVERY_WAIT_MS;
    for (;;) {
      const turn = (await deps.registry.getSession(session.id))?.turns[turnNo - 1];
      const steer = turn?.steers.find((s) => s.id === id);
      const delivered = steer?.deliveredAt != null;
      if (steer?.refused && !delivered) {
        // Accepted as the turn was ending, and refused by it: said here, and listed so in codex_status.
        await rm(steerFile, { force: true });
        throw new UserError('conflict', `Session ${session.id} turn ${turnNo} ended before this text reached Codex (${steer.refused}); nothing was added. Continue with codex_resume and this text as the prompt.`);
      }
      if (delivered || !turn || Date.now() > deadline) {
        return { sessionId: session.id, turn: turnNo, status: turn?.status ?? 'running', delivered };
      }
      await sleep(25);
    }
  },
  summary: (out) =>
    out.delivered
      ? `Session ${out.sessionId} turn ${out.turn} (${out.status}): ${out.status === 'queued' ? 'added to the queued prompt' : 'delivered to Codex'}.`
      : `Session ${out.sessionId} turn ${out.turn} (${out.status}): accepted, not yet delivered; codex_status lists it under steers with deliveredAt once Codex has it, or refused if the turn ends first.`,
});

import { z } from 'zod';
import { UserError } from '../../errors.ts';
import { releasePrunedWorktree } from '../../store/pruned-worktrees.ts';
import { isActive, latestTurn } from '../../store/session.ts';
import { requireSession, sessionIdField, strictInput } from '../inputs.ts';
import { defineTool } from '../tool.ts';

const input = strictInput({ sessionId: sessionIdField });

const output = z.object({
  sessionId: z.string(),
  forgotten: z.boolean(),
  turns: z.number(),
});

const stillRunning = (id: string) =>
  new UserError('conflict', `Session ${id} still has a turn queued or running; stop it with codex_cancel first, then forget it.`);

/**
 * A tool rather than a CLI mode: the agent forgets a session when its user asks,
 * from any client, without shell access to the state directory.
 */
export const forgetTool = defineTool({
  name: 'codex_forget',
  title: 'Forget a finished Codex session',
  description: 'Delete a finished session and all its files (answers, events, logs) from this server\'s state. Cannot be undone.',
  inputSchema: input,
  outputSchema: output,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  async handler(args, deps) {
    const session = await requireSession(deps.registry, args.sessionId);
    if (isActive(latestTurn(session).status)) throw stillRunning(session.id);
    // Re-checked under the lock: a resume racing this one wins or loses whole.
    await deps.registry.forget(session, () => stillRunning(session.id));
    // An isolated session's worktree goes with it, as with retention; a branch with unapplied work stays (logged).
    await releasePrunedWorktree(session, deps.paths.worktreeParent(session.id), deps.log);
    return { sessionId: session.id, forgotten: true, turns: session.turns.length };
  },
  summary: (out) => `Forgot session ${out.sessionId} (${out.turns} turn${out.turns === 1 ? '' : 's'}) and deleted its files.`,
});

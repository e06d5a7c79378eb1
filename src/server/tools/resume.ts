import { UserError } from '../../errors.ts';
import { requireWorktree } from '../../git/worktree.ts';
import { isWorktreeBusy } from '../../store/worktree-state.ts';
import { reconcileAndStart } from '../../runner/housekeeping.ts';
import type { Registry, RegistryData } from '../../store/registry.ts';
import { isActive, latestTurn, newTurn, type Session } from '../../store/session.ts';
import { checkWorkingDirectory, promptField, requireSession, sessionIdField, strictInput, timeoutField } from '../inputs.ts';
import { resolveRoute } from '../route.ts';
import { assertSandboxAllowed } from '../../sandbox-gate.ts';
import { defineTool } from '../tool.ts';
import { interactionFields, settleInteraction } from '../interaction-inputs.ts';
import { cwdNote, enqueueTurn, heartbeatField, heartbeatStyleField, notifyField, turnStartedSchema } from './launch.ts';

const input = strictInput({
  sessionId: sessionIdField,
  prompt: promptField.describe('What Codex should do next in the same conversation'),
  timeoutSeconds: timeoutField.optional().describe('Default: the previous turn\'s timeout'),
  notify: notifyField,
  heartbeatSeconds: heartbeatField,
  heartbeatStyle: heartbeatStyleField,
  ...interactionFields,
});

async function comeBack(registry: Registry, id: string): Promise<Session> {
  const archived = (await registry.archive.get(id)).session;
  if (!archived) throw new UserError('not_found', `Session ${id} was forgotten or pruned meanwhile; launch a new task instead.`);
  return archived;
}

/** An isolated session continues only in its own worktree: one applied, kept, discarded or deleted by hand cannot. */
async function requireLiveWorktree(session: Session): Promise<void> {
  const worktree = session.worktree!;
  if (worktree.state !== 'active') {
    const kept = worktree.state === 'kept' ? ` Its work is on the branch ${worktree.branch}.` : '';
    throw new UserError('conflict', `Session ${session.id}'s worktree was ${worktree.state}, so it cannot continue there.${kept} Launch a new task instead.`);
  }
  await requireWorktree(worktree);
}

const stillRunning = (id: string) =>
  new UserError('conflict', `Session ${id} still has a turn running; wait for it (codex_status) or stop it (codex_cancel) first.`);

export const resumeTool = defineTool({
  name: 'codex_resume',
  title: 'Continue a Codex session',
  description:
    'Send a follow-up prompt to a finished session: Codex continues the same thread, in the same cwd and sandbox, as a new turn.',
  inputSchema: input,
  outputSchema: turnStartedSchema,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async handler(args, deps) {
    await reconcileAndStart(deps);
    const session = await requireSession(deps.registry, args.sessionId);
    const previous = latestTurn(session);
    if (isActive(previous.status)) throw stillRunning(session.id);
    if (!session.threadId) {
      throw new UserError(
        'conflict',
        `Session ${session.id} has no Codex thread to continue (its first turn failed before Codex started one: ${previous.error ?? 'no error recorded'}); launch a new task instead.`,
      );
    }
    if (session.worktree) await requireLiveWorktree(session);
    // The server that runs the turn decides: a session launched where danger was allowed gets no pass here.
    assertSandboxAllowed(session.sandbox, deps.config);
    // The real path again: a symlinked cwd may point elsewhere now, and the write lock compares real paths.
    const { realCwd } = await checkWorkingDirectory(session.cwd);
    const interaction = await settleInteraction(args, deps.config, previous);
    const now = new Date().toISOString();
    const turn = newTurn(session.turns.length + 1, now, {
      timeoutSeconds: args.timeoutSeconds ?? previous.timeoutSeconds,
      heartbeatSeconds: args.heartbeatSeconds ?? previous.heartbeatSeconds,
      heartbeatStyle: args.heartbeatStyle ?? previous.heartbeatStyle,
      maxTokens: previous.maxTokens,
      notify: args.notify === undefined ? previous.notify : resolveRoute(args.notify, deps.config),
    }, null, interaction);
    const record = async (data: RegistryData) => {
      // An archived session comes back to the live registry for its new turn (its record is read again
      // here, under the lock, so one pruned or forgotten meanwhile is refused rather than revived).
      const current = data.sessions[session.id] ?? (data.sessions[session.id] = await comeBack(deps.registry, session.id));
      // Re-checked under the lock: two resumes racing must not both add a turn.
      if (current.turns.length + 1 !== turn.turn || isActive(latestTurn(current).status)) throw stillRunning(session.id);
      // And the worktree: an apply, keep or discard that finished meanwhile took it away.
      if (current.worktree && current.worktree.state !== 'active') await requireLiveWorktree(current);
      if (current.worktree && isWorktreeBusy(current.worktree)) {
        throw new UserError('conflict', `Session ${session.id}'s worktree is being ${current.worktree.busy!.action === 'apply' ? 'applied' : current.worktree.busy!.action === 'keep' ? 'kept' : 'discarded'} right now (codex_apply); check codex_status in a moment.`);
      }
      current.realCwd = realCwd;
      // A copy: the scheduler marks the recorded turn running, and a change made again (a lost lock)
      // must find this turn as new, not as the first attempt left it.
      current.turns.push(structuredClone(turn));
    };
    const started = await enqueueTurn(deps, session, turn, args.prompt, record);
    return { ...started, cwdFrom: 'session' as const, label: session.label, createdAt: now };
  },
  summary: (out) => `Resumed ${out.sessionId} as turn ${out.turn} (${out.status}) in ${out.cwd}${cwdNote(out.cwdFrom)}.`,
});

import { isProcessAlive, processStartTime } from '../process/liveness.ts';
import type { Registry } from './registry.ts';
import { isActive, latestTurn, type Session, type SessionWorktree, type WorktreeState } from './session.ts';

/**
 * Records what became of an isolated session's worktree, wherever the session's
 * record lives: in the live registry, or (finished sessions move there) its archive
 * file, rewritten under the registry lock like every archive change.
 */
export async function setWorktreeState(
  registry: Registry,
  sessionId: string,
  state: WorktreeState,
  now: string,
): Promise<void> {
  await registry.update(async (data) => {
    const live = Object.hasOwn(data.sessions, sessionId) ? data.sessions[sessionId] : undefined;
    const session = live ?? (await registry.archive.get(sessionId)).session;
    if (!session?.worktree) return;
    session.worktree.state = state;
    session.worktree.settledAt = now;
    session.worktree.busy = null;
    if (!live) await registry.archive.writeRecords([session]);
  });
}

/**
 * Marks the worktree as being applied, kept or discarded by this process, on the
 * freshest record under the registry lock, after `check` (which may refuse by
 * throwing): a resume recorded after this waits, one recorded before makes `check` refuse.
 */
export async function claimWorktree(registry: Registry, sessionId: string, action: string, check: (session: Session) => void): Promise<void> {
  await mutateWorktree(registry, sessionId, (session, worktree) => {
    check(session);
    if (isWorktreeBusy(worktree)) throw new Error(`another codex_apply (${worktree.busy!.action}) is at work on it`);
    worktree.busy = { pid: process.pid, startTime: processStartTime(process.pid), action };
  });
}

/** Gives the claim up (the action failed; the worktree stays as it was). Never throws. */
export async function releaseWorktree(registry: Registry, sessionId: string): Promise<void> {
  await mutateWorktree(registry, sessionId, (_session, worktree) => {
    if (worktree.busy?.pid === process.pid) worktree.busy = null;
  }).catch(() => {});
}

export function isWorktreeBusy(worktree: SessionWorktree): boolean {
  return Boolean(worktree.busy && isProcessAlive(worktree.busy.pid, worktree.busy.startTime));
}

async function mutateWorktree(registry: Registry, sessionId: string, change: (session: Session, worktree: SessionWorktree) => void): Promise<void> {
  await registry.update(async (data) => {
    const live = Object.hasOwn(data.sessions, sessionId) ? data.sessions[sessionId] : undefined;
    const session = live ?? (await registry.archive.get(sessionId)).session;
    if (!session?.worktree) return;
    change(session, session.worktree);
    if (!live) await registry.archive.writeRecords([session]);
  });
}

/** Refuses while a turn of the session is queued or running: its worktree is in use. */
export function refuseWhileRunning(session: Session, error: () => Error): void {
  if (isActive(latestTurn(session).status)) throw error();
}

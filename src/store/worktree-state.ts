import type { Registry } from './registry.ts';
import { isActive, latestTurn, type Session, type WorktreeState } from './session.ts';

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
    if (!live) await registry.archive.writeRecords([session]);
  });
}

/** Refuses while a turn of the session is queued or running: its worktree is in use. */
export function refuseWhileRunning(session: Session, error: () => Error): void {
  if (isActive(latestTurn(session).status)) throw error();
}

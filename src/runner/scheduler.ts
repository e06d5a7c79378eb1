import path from 'node:path';
import type { Config } from '../config.ts';
import type { Paths } from '../store/paths.ts';
import type { Registry, RegistryData } from '../store/registry.ts';
import { activeSessions, queueOrder } from '../store/queries.ts';
import { latestTurn, type Session } from '../store/session.ts';
import { spawnRunners } from './start-runner.ts';
import type { RunnerTurn } from './runner-process.ts';

export type ReadyTurn = RunnerTurn;

/**
 * Moves queued turns to `running` first-in first-out while a slot is free,
 * then starts a runner for each. Called by the server after a launch and by
 * every runner when its turn ends, so the queue advances even when no server
 * is running. Under the registry lock, so two callers never start the same turn.
 */
export async function startReadyTurns(config: Config, registry: Registry, paths: Paths): Promise<ReadyTurn[]> {
  // Lock-free look first: most calls find nothing queued and must not cost a write.
  const anyQueued = activeSessions(await registry.read()).some((s) => latestTurn(s).status === 'queued');
  if (!anyQueued) return [];
  const ready = await registry.update((data) => pickReady(data, config.maxConcurrent, new Date().toISOString()));
  // Turns whose runner could not be started are found by reconcile ("never started"); say why here too.
  const failed = spawnRunners(config, paths, ready);
  if (failed.length > 0) throw failed[0]!.error;
  return ready;
}

export function pickReady(data: RegistryData, maxConcurrent: number, now: string): ReadyTurn[] {
  const sessions = Object.values(data.sessions);
  const running = sessions.filter((s) => latestTurn(s).status === 'running');
  const queued = queueOrder(sessions);
  const ready: ReadyTurn[] = [];
  for (const session of queued) {
    const turn = latestTurn(session);
    if (running.length >= maxConcurrent) {
      turn.activity = `waiting for a free slot (${running.length} of ${maxConcurrent} running)`;
      continue;
    }
    const writer = running.find((other) => conflictsOnWrites(session, other));
    if (writer) {
      turn.activity = `waiting: ${writer.id} is writing in the same directory`;
      continue;
    }
    turn.status = 'running';
    turn.startedAt = now;
    turn.activity = 'starting';
    running.push(session);
    ready.push({ sessionId: session.id, turn: turn.turn, inputId: turn.inputId });
  }
  return ready;
}

/**
 * Two writable runs in one directory would trample each other's edits. Compared by real path:
 * `/x/ws/` or a symlink to `/x/ws` is the same directory (older records have only `cwd`).
 * An isolated run writes only in its own worktree, so it never waits and nobody waits for it.
 */
function conflictsOnWrites(a: Session, b: Session): boolean {
  if (a.worktree || b.worktree) return false;
  const writes = (s: Session) => s.sandbox !== 'read-only';
  const dir = (s: Session) => s.realCwd ?? path.resolve(s.cwd);
  return writes(a) && writes(b) && dir(a) === dir(b) && !a.allowConcurrentWrites;
}

import { closeSync, openSync, readSync } from 'node:fs';
import { killOrphanedGroup } from '../process/group.ts';
import { isProcessAlive, processWithArgsExists } from '../process/liveness.ts';
import { killTurnLeftovers, turnMarker } from '../process/turn-processes.ts';
import { activeSessions } from './queries.ts';
import type { Paths } from './paths.ts';
import type { Registry } from './registry.ts';
import { latestTurn, type Session, type Turn } from './session.ts';
import { finishTurn } from './transitions.ts';
import { discardTurnEnv } from './turn-input.ts';

/** A turn picked to run gets its runner within milliseconds; this long without one means it never started. */
const RUNNER_START_GRACE_MS = 30_000;

export interface Interrupted {
  sessionId: string;
  turn: number;
}

/**
 * Finds running turns whose runner is gone (crashed, killed, machine
 * restarted), kills whatever is left of their process group and marks them
 * `interrupted`. A lock-free read first, so the common case (nothing dead)
 * costs one cached registry read and a kill(pid, 0) per running turn.
 */
export type OnInterrupted = (session: Session, turn: Turn, now: string) => void;

export async function reconcile(registry: Registry, onInterrupted?: OnInterrupted, now = Date.now()): Promise<Interrupted[]> {
  if (findDead(registry.paths.home, activeSessions(await registry.read()), now).length === 0) return [];
  const interrupted = await registry.update((data) => {
    const dead = findDead(registry.paths.home, Object.values(data.sessions), now);
    for (const { sessionId, turn } of dead) {
      const session = data.sessions[sessionId]!;
      const record = session.turns[turn - 1]!;
      if (record.runner) killOrphanedGroup(record.runner.pid);
      const log = runnerLogHead(registry.paths, sessionId, turn);
      // Commands that left the group (their own session, double forks) still carry the turn's marker.
      if (record.runner) killTurnLeftovers(turnMarker(sessionId, turn));
      const ended = finishTurn(
        record,
        {
          status: 'interrupted',
          exitCode: null,
          error: record.runner
            ? `The runner (pid ${record.runner.pid}) died before the turn ended; Codex was stopped. Resume the session to continue.${log}`
            : `No runner took this turn: its runner never started, or stopped before it claimed the turn. Check the state directory is writable and resume the session.${log}`,
          errorKind: 'interrupted',
          resultChars: null,
        },
        new Date(now).toISOString(),
      );
      // Under the lock and only on the transition: exactly one 💥, whoever detects it first.
      if (ended) onInterrupted?.(session, record, new Date(now).toISOString());
    }
    return dead;
  });
  // A runner that never started never read its turn's settings: they hold secrets, so they go.
  for (const { sessionId, turn } of interrupted) {
    const record = (await registry.getSession(sessionId))?.turns[turn - 1];
    if (record && !record.runner) await discardTurnEnv(registry.paths, sessionId, turn, record.inputId);
  }
  return interrupted;
}

/**
 * The first lines of the turn's runner log, quoted for the error: a runner that dies while loading
 * (e.g. on a Node.js too old for a dependency) says why only there. '' when the log is empty.
 */
function runnerLogHead(paths: Paths, sessionId: string, turn: number): string {
  let text = '';
  try {
    const fd = openSync(paths.turnFile(sessionId, turn, 'runner.log'), 'r');
    try {
      const buffer = Buffer.alloc(1000);
      text = buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0)).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return ''; // No log: the runner never got as far as its first line.
  }
  const lines = text.split('\n').map((line) => line.trim()).filter(Boolean).slice(0, 5);
  return lines.length > 0 ? ` Its log (${paths.turnFile(sessionId, turn, 'runner.log')}) begins: ${lines.join(' | ')}` : '';
}

function findDead(home: string, sessions: Session[], now: number): Interrupted[] {
  const dead: Interrupted[] = [];
  for (const session of sessions) {
    const turn = latestTurn(session);
    if (turn.status === 'running' && runnerIsGone(home, session.id, turn, now)) dead.push({ sessionId: session.id, turn: turn.turn });
  }
  return dead;
}

function runnerIsGone(home: string, sessionId: string, turn: Turn, now: number): boolean {
  if (turn.runner) return !isProcessAlive(turn.runner.pid, turn.runner.startTime);
  const since = Date.parse(turn.startedAt ?? turn.createdAt);
  if (now - since <= RUNNER_START_GRACE_MS) return false;
  // Spawned but not recorded yet: it may be waiting for the registry lock (runners wait up to 2 minutes).
  // Its command line ends as runner-process.ts wrote it; a runner of the previous version, without the input id.
  const args = [home, sessionId, String(turn.turn)];
  return !processWithArgsExists(turn.inputId ? [...args, turn.inputId] : args, args);
}

import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withoutSecrets } from '../codex/command.ts';
import type { Config } from '../config.ts';
import type { Paths } from '../store/paths.ts';
import { spawnDetachedRunner, type RunnerTurn } from './runner-process.ts';

// The runner entry: main.ts when run from source, main.js once built. Spelled from the parent
// directory because this module also runs inside the server bundle (dist/server/), where
// import.meta.url is the bundle's: ../runner/main.js holds from dist/runner/ and dist/server/ alike.
const RUNNER_MAIN = fileURLToPath(new URL(`../runner/main${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url));

/**
 * A runner allocates little and lives for a whole turn: a young generation of 1 MB semi-spaces
 * (V8 grows them to 16 MB by default) keeps ≈ 5 MB of its memory free for the machine, for
 * scavenges of well under a millisecond (bench/RESULTS.md, runner footprint; issue 12).
 */
const RUNNER_NODE_OPTIONS = ['--max-semi-space-size=1'];

/** A turn whose runner could not be started, and why. */
export interface RunnerStartFailure {
  turn: RunnerTurn;
  error: unknown;
}

/**
 * Starts the runners of turns just moved to running, with one spawn: the first runner starts the
 * others' before anything else (runner/main.ts). A spawn forks this whole process and waits for the
 * child to exec, which on a busy machine takes 5-20 ms; ten of them in a row held up the answers
 * to a burst of launches by ~100 ms (issue 12). Each turn still gets its own detached runner.
 * If that spawn fails (its log cannot be opened, a failed fork), each turn gets a spawn of its own,
 * so one turn's trouble is not the others'. Returns the turns that got no runner.
 */
export function spawnRunners(config: Config, paths: Paths, turns: RunnerTurn[]): RunnerStartFailure[] {
  const start = { main: RUNNER_MAIN, nodeOptions: RUNNER_NODE_OPTIONS, home: paths.home, env: withoutSecrets(config.env) };
  const [first, ...rest] = turns;
  if (!first) return [];
  // Each other turn's log says which runner starts it (reconcile quotes it if that one dies first).
  // A log that cannot be written to cannot be the runner's either: that turn is started on its own,
  // here, so its caller hears why.
  const siblings: RunnerTurn[] = [];
  const alone: RunnerTurn[] = [];
  for (const turn of rest) {
    const line = `${new Date().toISOString()} [pid ${process.pid}] this turn's runner is started by the runner of ${first.sessionId} turn ${first.turn} (its runner.log says more)\n`;
    try {
      appendFileSync(paths.turnFile(turn.sessionId, turn.turn, 'runner.log'), line, { mode: 0o600 });
      siblings.push(turn);
    } catch {
      alone.push(turn);
    }
  }
  const failed: RunnerStartFailure[] = [];
  const spawnAlone = (turn: RunnerTurn) => {
    try {
      spawnDetachedRunner(start, turn);
    } catch (error) {
      failed.push({ turn, error });
    }
  };
  try {
    spawnDetachedRunner(start, first, siblings);
  } catch (error) {
    failed.push({ turn: first, error });
    siblings.forEach(spawnAlone);
  }
  alone.forEach(spawnAlone);
  return failed;
}

type Waiter = { turns: RunnerTurn[]; resolve: () => void; reject: (error: unknown) => void };
type Gathering = { config: Config; paths: Paths; waiters: Waiter[] };
let gathering: Gathering | undefined;

/**
 * For the server's tools: the turns of every call answered in this tick (the launches of one group
 * write, see store/write-queue.ts) get their runners from one spawn, on the next turn of the event
 * loop. Resolves once the call's own turns have their runners, or rejects with why one could not
 * be started: a call answers only after its runner exists, and only its own failure fails it.
 */
export function spawnRunnersTogether(config: Config, paths: Paths, turns: RunnerTurn[]): Promise<void> {
  if (turns.length === 0) return Promise.resolve();
  if (gathering && gathering.paths.home !== paths.home) startGatheredRunners();
  if (!gathering) {
    const batch: Gathering = { config, paths, waiters: [] };
    gathering = batch;
    setImmediate(() => {
      if (gathering === batch) startGatheredRunners();
    });
  }
  const batch = gathering;
  return new Promise<void>((resolve, reject) => batch.waiters.push({ turns, resolve, reject }));
}

/** Starts the runners gathered so far now: also called by a server on its way out, so no answered turn is left without one. */
export function startGatheredRunners(): void {
  const batch = gathering;
  gathering = undefined;
  if (!batch) return;
  let failed: RunnerStartFailure[];
  try {
    failed = spawnRunners(batch.config, batch.paths, batch.waiters.flatMap((w) => w.turns));
  } catch (error) {
    for (const waiter of batch.waiters) waiter.reject(error);
    return;
  }
  for (const waiter of batch.waiters) {
    const own = failed.find((f) => waiter.turns.some((t) => t.sessionId === f.turn.sessionId && t.turn === f.turn.turn));
    if (own) waiter.reject(own.error);
    else waiter.resolve();
  }
}

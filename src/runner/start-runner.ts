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

/**
 * Starts the runners of turns just moved to running, with one spawn: the first runner starts the
 * others' before anything else (runner/main.ts). A spawn forks this whole process and waits for the
 * child to exec, which on a busy machine takes 5-20 ms; ten of them in a row held up the answers
 * to a burst of launches by ~100 ms (issue 12). Each turn still gets its own detached runner.
 */
export function spawnRunners(config: Config, paths: Paths, turns: RunnerTurn[]): void {
  const [first, ...rest] = turns;
  if (!first) return;
  spawnDetachedRunner({ main: RUNNER_MAIN, nodeOptions: RUNNER_NODE_OPTIONS, home: paths.home, env: withoutSecrets(config.env) }, first, rest);
}

let gathering: { config: Config; paths: Paths; turns: RunnerTurn[]; started: Promise<void> } | undefined;

/**
 * For the server's tools: the turns of every call answered in this tick (the launches of one group
 * write, see store/write-queue.ts) get their runners from one spawn, on the next turn of the event
 * loop. Resolves once they are started: a call answers only after its runner exists.
 */
export function spawnRunnersTogether(config: Config, paths: Paths, turns: RunnerTurn[]): Promise<void> {
  if (turns.length === 0) return Promise.resolve();
  if (!gathering || gathering.paths.home !== paths.home) {
    const batch = { config, paths, turns: [] as RunnerTurn[], started: Promise.resolve() };
    batch.started = new Promise((resolve) =>
      setImmediate(() => {
        if (gathering === batch) gathering = undefined;
        try {
          spawnRunners(batch.config, batch.paths, batch.turns);
        } finally {
          resolve();
        }
      }),
    );
    gathering = batch;
  }
  gathering.turns.push(...turns);
  return gathering.started;
}

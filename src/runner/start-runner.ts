import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withoutSecrets } from '../codex/command.ts';
import type { Config } from '../config.ts';
import type { Paths } from '../store/paths.ts';
import type { ReadyTurn } from './scheduler.ts';

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
 * Starts a detached runner for one turn: its own session and process group
 * (so it outlives the server and a kill of the server's group), output to a
 * private per-turn log, and only ids and paths on its command line.
 */
export function spawnRunner(config: Config, paths: Paths, { sessionId, turn, inputId }: ReadyTurn): number | undefined {
  const log = openSync(paths.turnFile(sessionId, turn, 'runner.log'), 'a', 0o600);
  try {
    // reconcile.ts recognises a runner that has not claimed its turn yet by how this command line ends.
    const child = spawn(process.execPath, [...RUNNER_NODE_OPTIONS, RUNNER_MAIN, paths.home, sessionId, String(turn), ...(inputId ? [inputId] : [])], {
      detached: true,
      stdio: ['ignore', log, log],
      // Secrets stay out: a process's initial environment is readable in /proc by every process of the
      // same user, Codex's commands included. The runner reads its turn's settings from a private file.
      env: withoutSecrets(config.env),
      cwd: paths.home,
    });
    child.on('error', () => {}); // A failed spawn is seen by reconcile: the turn never gets a runner.
    child.unref();
    return child.pid;
  } finally {
    closeSync(log);
  }
}

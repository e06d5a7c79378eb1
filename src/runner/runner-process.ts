import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { makePaths } from '../store/paths.ts';

// How a runner process is started and what its command line says. Node's built-ins only: the
// runner's tiny entry (main.ts) uses it before anything else has loaded.

export interface RunnerTurn {
  sessionId: string;
  turn: number;
  /** Names the turn's settings file (see early-codex.ts); null for turns recorded by older versions. */
  inputId: string | null;
}

/**
 * `[--start <session>/<turn>/<input id>]… <state dir> <session> <turn> [<input id>]`: only ids and
 * paths. The turn a runner runs comes last, so reconcile recognises a runner that has not claimed
 * its turn yet by how its command line ends; `--start` names turns whose runners it starts first.
 */
export function runnerArgs(home: string, own: RunnerTurn, siblings: RunnerTurn[] = []): string[] {
  const turnArgs = (t: RunnerTurn) => [t.sessionId, String(t.turn), ...(t.inputId ? [t.inputId] : [])];
  return [...siblings.flatMap((s) => ['--start', `${s.sessionId}/${s.turn}/${s.inputId ?? ''}`]), home, ...turnArgs(own)];
}

export interface ParsedRunnerArgs {
  home: string;
  sessionId: string;
  /** As given: run.ts refuses one that is not a turn number. */
  turn: string;
  inputId: string | undefined;
  siblings: RunnerTurn[];
}

/** Session ids are lower-case letters, digits and dashes (store/session.ts checks the exact form); nothing that could walk out of a directory. */
export function isRunnerSessionId(id: string): boolean {
  return /^[0-9a-z-]{1,64}$/.test(id);
}

export function isTurnNumber(text: string): boolean {
  return /^[1-9]\d*$/.test(text);
}

export function parseRunnerArgs(argv: string[]): ParsedRunnerArgs {
  const siblings: RunnerTurn[] = [];
  let i = 0;
  for (; argv[i] === '--start'; i += 2) {
    const [sessionId = '', turn = '', inputId = ''] = (argv[i + 1] ?? '').split('/');
    if (isRunnerSessionId(sessionId) && isTurnNumber(turn)) siblings.push({ sessionId, turn: Number(turn), inputId: /^[0-9a-f]{8,32}$/.test(inputId) ? inputId : null });
  }
  const [home = '', sessionId = '', turn = '', inputId] = argv.slice(i);
  return { home, sessionId, turn, inputId, siblings };
}

/**
 * Starts a detached runner: its own session and process group (so it outlives whoever started it
 * and a kill of that one's group), output to a private per-turn log. `env` must hold no secrets:
 * a process's initial environment is readable in /proc by every process of the same user, Codex's
 * commands included; the runner reads its turn's settings from a private file.
 */
export function spawnDetachedRunner(
  start: { main: string; nodeOptions: readonly string[]; home: string; env: NodeJS.ProcessEnv; onError?: (error: Error) => void },
  own: RunnerTurn,
  siblings: RunnerTurn[] = [],
): number | undefined {
  const log = openSync(makePaths(start.home).turnFile(own.sessionId, own.turn, 'runner.log'), 'a', 0o600);
  try {
    const child = spawn(process.execPath, [...start.nodeOptions, start.main, ...runnerArgs(start.home, own, siblings)], {
      detached: true,
      stdio: ['ignore', log, log],
      env: start.env,
      cwd: start.home,
    });
    // A failed spawn is seen by reconcile too: the turn never gets a runner.
    child.on('error', (error) => start.onError?.(error));
    child.unref();
    return child.pid;
  } finally {
    closeSync(log);
  }
}

import { readFileSync } from 'node:fs';
import { sameCommand, spawnCodex, type CodexChild, type CodexCommand } from '../codex/codex-child.ts';
import { makePaths } from '../store/paths.ts';

/**
 * Codex started by the runner's first lines, before the rest of the runner has
 * loaded and before it has claimed the turn: Codex's own start-up (≈ 100 ms)
 * then overlaps the runner's (issue 12). It is only a guess, and a safe one:
 * nothing is written to its stdin, so it has no prompt and no turn, and does
 * nothing until the runner adopts it. The runner adopts it only when it is
 * exactly the command the runner computes for the claimed turn; otherwise (a
 * failed claim, a cancel, a different command, a child that already died)
 * it is killed at once.
 */
export interface EarlyCodex {
  pid: number | undefined;
  /** The child, if it runs exactly `command` and still lives; from then on it is the caller's. Else it is killed and why is said. */
  adopt(command: CodexCommand): { child: CodexChild } | { refused: string };
  /** Kills it unless it was adopted. Safe to call more than once. */
  discard(): void;
}

/**
 * Starts the command the accepting server computed for the turn (the `codex`
 * field of its settings file), or nothing when there is none. Plain checks,
 * not zod: this runs before any dependency loads, and the runner compares the
 * command with its own before it uses the child.
 */
export function startEarlyCodex(home: string, sessionId: string, turn: number, inputId: string | undefined): EarlyCodex | undefined {
  if (!inputId || !/^[0-9a-f]{8,32}$/.test(inputId)) return undefined;
  let command: CodexCommand | undefined;
  try {
    command = commandOf((JSON.parse(readFileSync(makePaths(home).turnInput(sessionId, turn, inputId, 'env.json'), 'utf8')) as { codex?: unknown }).codex);
  } catch {
    return undefined; // No settings file (yet, or any more): the runner starts Codex itself if the turn is its to run.
  }
  if (!command) return undefined;
  const started = command;
  let child: ReturnType<typeof spawnCodex>;
  try {
    child = spawnCodex(started);
  } catch {
    return undefined; // The runner starts Codex itself after the claim, and says why it cannot.
  }
  let died: string | null = null;
  child.once('error', (error) => (died ??= `it could not be started (${error.message})`));
  child.once('exit', (code, signal) => (died ??= `it exited (code ${code}, signal ${signal})`));
  let settled = false;
  const kill = () => {
    child.kill('SIGKILL');
    for (const stream of [child.stdin, child.stdout, child.stderr]) stream.destroy();
  };
  return {
    pid: child.pid,
    adopt(wanted) {
      if (settled) return { refused: 'it was already settled' };
      settled = true;
      const refused = died ?? (sameCommand(started, wanted) ? null : 'the turn needs a different command');
      if (refused === null) return { child };
      kill();
      return { refused };
    },
    discard() {
      if (settled) return;
      settled = true;
      kill();
    },
  };
}

function commandOf(value: unknown): CodexCommand | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { bin, args, cwd, env } = value as Record<string, unknown>;
  const strings = (list: unknown[]) => list.every((item) => typeof item === 'string');
  if (typeof bin !== 'string' || typeof cwd !== 'string' || !Array.isArray(args) || !strings(args)) return undefined;
  if (typeof env !== 'object' || env === null || Array.isArray(env) || !strings(Object.values(env))) return undefined;
  return { bin, args: args as string[], cwd, env: env as Record<string, string> };
}

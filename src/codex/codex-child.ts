import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

// Node's own child_process, not execa: a runner starts one Codex per turn on its hot path, and
// execa costs a runner ≈ 15 MB and ≈ 50 ms to load (bench/RESULTS.md, issue 12) for features
// every Codex child turns off anyway (buffering, rejecting, clean-up, kill timers, extending
// the environment). This file imports nothing else, so the runner's tiny entry can start Codex
// with it before the rest of the runner has loaded (see runner/early-codex.ts).

/** A Codex process to start: everything that decides what it does before it reads its stdin. Pure data. */
export interface CodexCommand {
  bin: string;
  args: string[];
  cwd: string;
  /** The whole environment (nothing is inherited), secrets already removed. */
  env: Record<string, string>;
}

export type CodexChild = ChildProcessWithoutNullStreams;

/**
 * Starts a Codex child: only the environment it is given, all three stdio
 * piped (the prompt or the JSON-RPC requests go to stdin, so nothing happens
 * until the caller writes), and left in the caller's process group, because
 * the runner owns stopping it (turn/interrupt, then the group's SIGTERM and SIGKILL).
 */
export function spawnCodex(command: CodexCommand): CodexChild {
  // Throws for some failures (ENOTDIR: the cwd became a file; ETXTBSY; ELOOP); others come as 'error'.
  const child = spawn(command.bin, command.args, { cwd: command.cwd, env: command.env, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
  if (!child.stdin || !child.stdout || !child.stderr) {
    // No pipes (EMFILE, ENFILE): its 'error' follows and must not crash the runner.
    child.on('error', () => {});
    throw new Error('Codex could not be started: no pipes could be opened (too many open files).');
  }
  // Writing to a Codex that already exited must not crash the runner; its exit says what happened.
  child.stdin.on('error', () => {});
  return child;
}

/** Whether two commands would start the same Codex (the early start is used only when it is exactly the turn's). */
export function sameCommand(a: CodexCommand, b: CodexCommand): boolean {
  const entries = (env: Record<string, string>) => JSON.stringify(Object.entries(env).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
  return a.bin === b.bin && a.cwd === b.cwd && JSON.stringify(a.args) === JSON.stringify(b.args) && entries(a.env) === entries(b.env);
}

/** How a Codex process ended, whichever engine ran it. */
export interface CodexExit {
  exitCode: number | null;
  signal: string | null;
  /** Set when Codex could not be started at all (e.g. the binary vanished). */
  spawnError: string | null;
}

/**
 * After Codex exits, how long its pipes may still deliver what it wrote. A
 * process Codex started may hold a copy of them open forever; the turn ends
 * when Codex does, not when every holder lets go.
 */
const OUTPUT_GRACE_MS = 1000;

/**
 * When a Codex child ended, from its 'exit' event, not 'close': that one also
 * waits for the end of stdout and stderr, which a process Codex started (a
 * daemon that inherited them) can hold open forever. After the exit, what Codex
 * wrote has a moment to arrive; then its pipes are let go. A child that could
 * not be started at all ('error' with no pid) ends with `spawnError`.
 */
export function childExit(child: CodexChild): Promise<CodexExit> {
  const exited = new Promise<CodexExit>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ exitCode: child.exitCode, signal: child.signalCode, spawnError: null });
    child.once('exit', (code, signal) => resolve({ exitCode: code, signal, spawnError: null }));
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (child.pid === undefined) resolve({ exitCode: null, signal: null, spawnError: spawnErrorText(child.spawnfile, error) });
    });
  });
  void exited.then(() => {
    setTimeout(() => {
      child.stdout.destroy();
      child.stderr.destroy();
      child.stdin.destroy();
    }, OUTPUT_GRACE_MS).unref();
  });
  return exited;
}

/** Why the child never ran, in words (outcome.ts puts "Codex could not be started:" in front). */
function spawnErrorText(bin: string, error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOENT') return `${bin} does not exist, or the working directory is gone (ENOENT).`;
  if (error.code === 'EACCES') return `${bin} is not executable (EACCES).`;
  return error.message;
}

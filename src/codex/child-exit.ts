import type { ResultPromise } from 'execa';

/**
 * How every Codex child is started, whichever engine: only the environment it is
 * given (secrets already removed), streamed rather than buffered, and left in the
 * caller's process group with no execa clean-up or kill timer, because the runner
 * owns stopping it (turn/interrupt, then the group's SIGTERM and SIGKILL).
 */
export const CODEX_CHILD_OPTIONS = {
  extendEnv: false,
  buffer: false,
  reject: false,
  cleanup: false,
  windowsHide: true,
  forceKillAfterDelay: false,
} as const;

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
 * When a Codex child ended, from its 'exit' event, not execa's promise: that one
 * also waits for the end of stdout and stderr, which a process Codex started (a
 * daemon that inherited them) can hold open forever. After the exit, what Codex
 * wrote has a moment to arrive; then its pipes are let go.
 */
export function childExit(child: ResultPromise): Promise<CodexExit> {
  const exited = new Promise<CodexExit>((resolve) => {
    child.nodeChildProcess.once('exit', (code, signal) => resolve({ exitCode: code, signal, spawnError: null }));
    child.then(
      (result) => {
        const failedToStart = result.failed && result.exitCode === undefined && !result.signal;
        if (failedToStart) resolve({ exitCode: null, signal: null, spawnError: result.shortMessage ?? 'Codex could not be started.' });
      },
      (error: Error) => resolve({ exitCode: null, signal: null, spawnError: error.message }),
    );
  });
  void exited.then(() => {
    setTimeout(() => {
      child.stdout?.destroy();
      child.stderr?.destroy();
    }, OUTPUT_GRACE_MS).unref();
  });
  return exited;
}

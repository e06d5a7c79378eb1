import { createInterface } from 'node:readline';
import { execa } from 'execa';

export interface CodexExit {
  exitCode: number | null;
  signal: string | null;
  /** Set when Codex could not be started at all (e.g. the binary vanished). */
  spawnError: string | null;
}

export interface CodexProcess {
  pid: number | undefined;
  /** stdout, one line at a time as it arrives; partial last lines included. */
  lines: AsyncIterable<string>;
  exited: Promise<CodexExit>;
}

export interface StartCodexOptions {
  bin: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  prompt: string;
  /** A file (already created 0600) that Codex's stderr is drained into continuously, so a full pipe never blocks it. */
  stderrFile: string;
}

/**
 * Starts `codex exec`. The prompt is written to stdin and stdin closed (Codex
 * reads a piped stdin to EOF before it starts). Codex stays in the caller's
 * process group, so a signal to the group reaches it and its unsandboxed children
 * (sandboxed commands run under bubblewrap in their own session and die with Codex).
 */
export function startCodex(options: StartCodexOptions): CodexProcess {
  const child = execa(options.bin, options.args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    input: options.prompt,
    stdout: 'pipe',
    stderr: { file: options.stderrFile, append: true },
    buffer: false,
    reject: false,
    cleanup: false,
    windowsHide: true,
    forceKillAfterDelay: false,
  });
  const exited = child.then(
    (result) => ({
      exitCode: result.exitCode ?? null,
      signal: result.signal ?? null,
      spawnError: result.failed && result.exitCode === undefined && !result.signal ? (result.shortMessage ?? 'Codex could not be started.') : null,
    }),
    (error: Error) => ({ exitCode: null, signal: null, spawnError: error.message }),
  );
  const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
  return { pid: child.pid, lines, exited };
}

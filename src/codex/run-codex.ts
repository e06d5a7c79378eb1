import type { Readable } from 'node:stream';
import { execa } from 'execa';
import { BoundedLineSplitter, type StdoutLine } from './line-splitter.ts';

export interface CodexExit {
  exitCode: number | null;
  signal: string | null;
  /** Set when Codex could not be started at all (e.g. the binary vanished). */
  spawnError: string | null;
}

export interface CodexProcess {
  pid: number | undefined;
  /** stdout, one line at a time as it arrives (partial last line included); over-long lines come as `cut`. */
  lines: AsyncIterable<StdoutLine>;
  exited: Promise<CodexExit>;
  /** Settles once stderr has been drained to its end (or given up on, see OUTPUT_GRACE_MS). */
  stderrDone: Promise<void>;
}

export interface StartCodexOptions {
  bin: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  prompt: string;
  /** Receives stderr as it comes, so a full pipe never blocks Codex; the sink bounds what it keeps. */
  onStderr: (chunk: Buffer) => void;
}

/** The longest stdout line kept whole: a 1.5M-character answer fits, a 200 MB one does not. */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

/**
 * After Codex exits, how long its pipes may still deliver what it wrote. A
 * process Codex started may hold a copy of them open forever; the turn ends
 * when Codex does, not when every holder lets go.
 */
const OUTPUT_GRACE_MS = 1000;

/**
 * Starts `codex exec`. The prompt is written to stdin and stdin closed (Codex
 * reads a piped stdin to EOF before it starts). Codex stays in the caller's
 * process group, so a signal to the group reaches it and its direct children;
 * the commands it runs leave the group (see process/turn-processes.ts).
 */
export function startCodex(options: StartCodexOptions): CodexProcess {
  const child = execa(options.bin, options.args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    input: options.prompt,
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    cleanup: false,
    windowsHide: true,
    forceKillAfterDelay: false,
  });
  // The 'exit' event, not execa's promise: that one also waits for the end of stdout and
  // stderr, which a leftover process holding them can postpone forever.
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
  const stderrDone = drain(child.stderr, options.onStderr);
  return { pid: child.pid, lines: readLines(child.stdout), exited, stderrDone };
}

async function* readLines(stdout: Readable | null): AsyncGenerator<StdoutLine> {
  if (!stdout) return;
  const splitter = new BoundedLineSplitter(MAX_LINE_BYTES);
  try {
    for await (const chunk of stdout) yield* splitter.push(chunk as Buffer);
  } catch {
    // Destroyed after the grace (a leftover holds the pipe) or a read error: what came is all there is.
  }
  yield* splitter.end();
}

function drain(stream: Readable | null, onData: (chunk: Buffer) => void): Promise<void> {
  if (!stream) return Promise.resolve();
  stream.on('data', onData);
  return new Promise((resolve) => {
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
}

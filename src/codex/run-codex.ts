import type { Readable } from 'node:stream';
import { childExit, spawnCodex, type CodexChild, type CodexCommand, type CodexExit } from './codex-child.ts';
import { BoundedLineSplitter, type StdoutLine } from './line-splitter.ts';

export type { CodexExit } from './codex-child.ts';

export interface CodexProcess {
  pid: number | undefined;
  /** stdout, one line at a time as it arrives (partial last line included); over-long lines come as `cut`. */
  lines: AsyncIterable<StdoutLine>;
  exited: Promise<CodexExit>;
  /** Settles once stderr has been drained to its end (or given up on, see child-exit.ts). */
  stderrDone: Promise<void>;
}

export interface StartCodexOptions {
  command: CodexCommand;
  /** This very command, started already and not yet written to (the runner's early start); else it is started here. */
  child?: CodexChild;
  prompt: string;
  /** Receives stderr as it comes, so a full pipe never blocks Codex; the sink bounds what it keeps. */
  onStderr: (chunk: Buffer) => void;
}

/** The longest stdout line kept whole: a 1.5M-character answer fits, a 200 MB one does not. */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

/**
 * Starts `codex exec`. The prompt is written to stdin and stdin closed (Codex
 * reads a piped stdin to EOF before it starts). Codex stays in the caller's
 * process group, so a signal to the group reaches it and its direct children;
 * the commands it runs leave the group (see process/turn-processes.ts).
 */
export function startCodex(options: StartCodexOptions): CodexProcess {
  const child = options.child ?? spawnCodex(options.command);
  const exited = childExit(child);
  child.stdin.end(options.prompt);
  const stderrDone = drain(child.stderr, options.onStderr);
  return { pid: child.pid, lines: readLines(child.stdout), exited, stderrDone };
}

async function* readLines(stdout: Readable): AsyncGenerator<StdoutLine> {
  const splitter = new BoundedLineSplitter(MAX_LINE_BYTES);
  try {
    for await (const chunk of stdout) yield* splitter.push(chunk as Buffer);
  } catch {
    // Destroyed after the grace (a leftover holds the pipe) or a read error: what came is all there is.
  }
  yield* splitter.end();
}

function drain(stream: Readable, onData: (chunk: Buffer) => void): Promise<void> {
  stream.on('data', onData);
  return new Promise((resolve) => {
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
}

import { createWriteStream } from 'node:fs';
import { childExit, spawnCodex, type CodexChild, type CodexCommand } from '../codex-child.ts';
import type { EngineExit } from '../engine.ts';
import { AsyncQueue } from './async-queue.ts';
import { boundedLines, type DroppedLine } from './bounded-lines.ts';
import { parseMessage, type IncomingMessage, type ParsedMessage, type RequestId } from './protocol.ts';

/** A line over this is dropped: app-server lines are small except a huge diff or output, which we do not need whole. */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;
const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

export interface StartRpcOptions {
  command: CodexCommand;
  /** This very command, started already and not yet written to (the runner's early start); else it is started here. */
  child?: CodexChild;
  /** A file (already created 0600) that stderr is drained into continuously, so a full pipe never blocks the server. */
  stderrFile?: string;
  /** Or a sink that receives stderr as it comes (the runner's capped log); it bounds what it keeps. */
  onStderr?: (chunk: Buffer) => void;
  log: (message: string) => void;
  maxLineBytes?: number;
}

/** What the server sent besides answers to our requests: notifications and its own requests, with the raw line for the event log. */
export interface Incoming {
  line: string;
  /** Set for a line too long to keep: its start and end, for the messages the turn cannot do without. */
  dropped?: DroppedLine;
  parsed: ParsedMessage & ({ ok: false } | { ok: true; message: Exclude<IncomingMessage, { kind: 'response' | 'error-response' }> });
}

/** A JSON-RPC error answer, kept as data so callers can tell it from a dead process. */
export class RpcError extends Error {
  readonly code: number;
  constructor(method: string, code: number, message: string) {
    super(`${method} was refused: ${message} (code ${code})`);
    this.name = 'RpcError';
    this.code = code;
  }
}

export interface RpcClient {
  pid: number | undefined;
  /** Notifications and server requests in arrival order; ends when stdout closes. */
  incoming: AsyncIterable<Incoming>;
  request(method: string, params: unknown, timeoutMs?: number): Promise<unknown>;
  notify(method: string, params?: unknown): void;
  respond(id: RequestId, result: unknown): void;
  respondError(id: RequestId, code: number, message: string): void;
  /** Ends stdin: the app-server's clean stop (it exits 0 and takes its children along). */
  close(): void;
  /** Sends a signal to the server itself (not its group). */
  kill(signal: NodeJS.Signals): void;
  exited: Promise<EngineExit>;
}

interface Pending {
  method: string;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Starts a JSON-RPC peer over a child's stdio: one JSON object per line, no
 * "jsonrpc" field (the app-server neither needs nor sends one). The child
 * stays in the caller's process group, so a signal to the group reaches it.
 */
export function startRpcProcess(options: StartRpcOptions): RpcClient {
  const child = options.child ?? spawnCodex(options.command);
  const exited = childExit(child);
  if (options.onStderr) child.stderr.on('data', options.onStderr);
  else if (options.stderrFile) child.stderr.pipe(createWriteStream(options.stderrFile, { flags: 'a' }).on('error', (error) => options.log(`app-server stderr: ${error.message}`)));
  else child.stderr.resume();
  // Writing to a server that already exited must not crash the runner; the exit says what happened.
  child.stdin.on('error', (error) => options.log(`app-server stdin: ${error.message}`));

  let nextId = 1;
  let gone = false;
  const pending = new Map<RequestId, Pending>();
  const incoming = new AsyncQueue<Incoming>();

  const send = (message: Record<string, unknown>) => {
    if (gone || child.stdin.destroyed || child.stdin.writableEnded) return false;
    child.stdin.write(`${JSON.stringify(message)}\n`);
    return true;
  };
  const failAll = (reason: string) => {
    for (const [id, waiting] of pending) {
      clearTimeout(waiting.timer);
      waiting.reject(new Error(`${waiting.method} got no answer: ${reason}`));
      pending.delete(id);
    }
  };

  const pump = async () => {
    const maxBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
    const dropped = (bytes: number, kept: DroppedLine) => {
      options.log(`app-server: dropped a stdout line of ${bytes} bytes (over ${maxBytes})`);
      const marker = JSON.stringify({ type: 'codex-delegate.line_cut', bytes, head: kept.head.slice(0, 300) });
      incoming.push({ line: marker, parsed: { ok: false, reason: `a stdout line of ${bytes} bytes was too long to read` }, dropped: kept } as Incoming);
    };
    for await (const line of boundedLines(child.stdout, maxBytes, dropped)) {
      const parsed = parseMessage(line);
      if (parsed.ok && (parsed.message.kind === 'response' || parsed.message.kind === 'error-response')) {
        const answer = parsed.message;
        const waiting = pending.get(answer.id);
        if (!waiting) {
          options.log(`app-server: an answer to unknown request ${answer.id}`);
          continue;
        }
        pending.delete(answer.id);
        clearTimeout(waiting.timer);
        if (answer.kind === 'response') waiting.resolve(answer.result);
        else waiting.reject(new RpcError(waiting.method, answer.code, answer.message));
        continue;
      }
      incoming.push({ line, parsed } as Incoming);
    }
  };
  const pumped = pump().catch((error: Error) => options.log(`app-server stdout: ${error.message}`));
  void Promise.all([pumped, exited]).then(([, exit]) => {
    gone = true;
    failAll(exit.spawnError ?? `the app-server exited (code ${exit.exitCode}, signal ${exit.signal})`);
    incoming.end();
  });

  return {
    pid: child.pid,
    incoming,
    request(method, params, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${method} got no answer within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { method, resolve, reject, timer });
        if (!send({ id, method, params })) {
          pending.delete(id);
          clearTimeout(timer);
          reject(new Error(`${method} could not be sent: the app-server's stdin is closed`));
        }
      });
    },
    notify(method, params) {
      send(params === undefined ? { method } : { method, params });
    },
    respond(id, result) {
      send({ id, result });
    },
    respondError(id, code, message) {
      send({ id, error: { code, message } });
    },
    close() {
      if (!child.stdin.writableEnded) child.stdin.end();
    },
    kill(signal) {
      child.kill(signal);
    },
    exited,
  };
}

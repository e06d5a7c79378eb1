// A minimal JSON-RPC-over-stdio MCP client with no SDK in the way, for timing
// a server from spawn to its answers with as little client overhead as possible.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';

export interface RawServer {
  child: ChildProcessWithoutNullStreams;
  /** performance.now() at spawn. */
  spawnedAt: number;
  request(method: string, params?: unknown): Promise<{ result?: any; error?: any; at: number }>;
  notify(method: string, params?: unknown): void;
  stderr(): string;
  close(): Promise<void>;
}

export function startRaw(args: string[], env: Record<string, string>, cwd: string): RawServer {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  const pending = new Map<number, (msg: { result?: any; error?: any; at: number }) => void>();
  let nextId = 1;
  let buffer = '';
  let errText = '';
  child.stderr.on('data', (d: Buffer) => (errText += d));
  child.stdout.on('data', (d: Buffer) => {
    const at = performance.now();
    buffer += d.toString('utf8');
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (!line) continue;
      const msg = JSON.parse(line);
      if (typeof msg.id === 'number' && pending.has(msg.id)) {
        pending.get(msg.id)!({ result: msg.result, error: msg.error, at });
        pending.delete(msg.id);
      }
    }
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  child.on('exit', () => {
    for (const [, done] of pending) done({ error: { message: `server exited: ${errText.slice(-500)}` }, at: performance.now() });
    pending.clear();
  });
  const send = (msg: unknown) => child.stdin.write(`${JSON.stringify(msg)}\n`);
  return {
    child,
    spawnedAt,
    request(method, params) {
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        send({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
      });
    },
    notify(method, params) {
      send({ jsonrpc: '2.0', method, ...(params === undefined ? {} : { params }) });
    },
    stderr: () => errText,
    async close() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** initialize + notifications/initialized, as every client does first. */
export async function initialize(server: RawServer): Promise<{ at: number; result: any }> {
  const answer = await server.request('initialize', {
    protocolVersion: LATEST_PROTOCOL_VERSION,
    capabilities: {},
    clientInfo: { name: 'bench', version: '0.0.0' },
  });
  if (answer.error) throw new Error(`initialize failed: ${JSON.stringify(answer.error)}`);
  server.notify('notifications/initialized');
  return { at: answer.at, result: answer.result };
}

export async function callTool(server: RawServer, name: string, args: Record<string, unknown>): Promise<{ ms: number; result: any }> {
  const t0 = performance.now();
  const answer = await server.request('tools/call', { name, arguments: args });
  if (answer.error) throw new Error(`${name} failed: ${JSON.stringify(answer.error)}`);
  if (answer.result?.isError) throw new Error(`${name} answered isError: ${JSON.stringify(answer.result.content)}`);
  return { ms: answer.at - t0, result: answer.result };
}

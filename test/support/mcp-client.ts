import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before } from 'node:test';
import { createWorld, ROOT, type World } from './harness.ts';

export const SERVER_MAIN = path.join(ROOT, 'dist', 'server', 'main.js');

/** A real MCP client talking over stdio to the built server, as any agent would. */
export interface TestClient {
  client: Client;
  pid: number | null;
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  /** Calls a tool that must succeed and returns its structured content. */
  ok<T = Record<string, any>>(name: string, args?: Record<string, unknown>): Promise<T>;
  waitFor(sessionId: string, done: (status: string) => boolean, timeoutMs?: number): Promise<Record<string, any>>;
  close(): Promise<void>;
}

export async function startClient(env: Record<string, string>): Promise<TestClient> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [SERVER_MAIN], env, stderr: 'pipe' });
  const client = new Client({ name: 'test-client', version: '0.0.0' });
  await client.connect(transport);
  const call = (name: string, args: Record<string, unknown> = {}) =>
    client.callTool({ name, arguments: args }) as Promise<CallToolResult>;
  const ok = async (name: string, args: Record<string, unknown> = {}) => {
    const result = await call(name, args);
    if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
    return result.structuredContent as any;
  };
  return {
    client,
    pid: transport.pid,
    call,
    ok,
    async waitFor(sessionId, done, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const status = await ok('codex_status', { sessionId });
        if (done(status.status)) return status;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${sessionId}: ${JSON.stringify(status)}`);
        await sleep(100);
      }
    },
    close: () => client.close(),
  };
}

export const isFinished = (status: string) => status !== 'queued' && status !== 'running';

/**
 * A world and a client shared by the tests of one describe block: created
 * before them, closed after. Read `.world` and `.client` inside the tests.
 */
export function sharedWorldClient(extraEnv: Record<string, string> = {}): { world: World; client: TestClient } {
  const shared = {} as { world: World; client: TestClient };
  before(async () => {
    shared.world = await createWorld(extraEnv);
    shared.client = await startClient(shared.world.env);
  });
  after(async () => {
    await shared.client?.close();
    await shared.world?.close();
  });
  return shared;
}

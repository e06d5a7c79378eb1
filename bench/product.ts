// The built product server driven over raw stdio JSON-RPC (no SDK client in the timing path).
import { SERVER_MAIN } from '../test/support/mcp-client.ts';
import { initialize, startRaw, type RawServer } from './stdio-rpc.ts';

export interface Product {
  raw: RawServer;
  /** Calls a tool that must succeed; resolves with its structured content and the round trip in ms. */
  tool<T = Record<string, any>>(name: string, args?: Record<string, unknown>): Promise<{ ms: number; out: T; sentAt: number; at: number }>;
  close(): Promise<void>;
}

export async function startProduct(env: Record<string, string>, cwd: string, nodeArgs: string[] = []): Promise<Product> {
  const raw = startRaw([...nodeArgs, SERVER_MAIN], env, cwd);
  await initialize(raw);
  return {
    raw,
    async tool(name, args = {}) {
      const sentAt = performance.now();
      const answer = await raw.request('tools/call', { name, arguments: args });
      if (answer.error) throw new Error(`${name}: ${JSON.stringify(answer.error)}`);
      if (answer.result?.isError) throw new Error(`${name} answered isError: ${JSON.stringify(answer.result.content)}`);
      return { ms: answer.at - sentAt, out: answer.result.structuredContent, sentAt, at: answer.at };
    },
    close: () => raw.close(),
  };
}

// The baseline for cold start and call round trips: a bare MCP SDK stdio server
// with five trivial tools (McpServer + zod), nothing else.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const server = new McpServer({ name: 'baseline', version: '0.0.0' });

const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });

server.registerTool('echo', { description: 'Echo a message', inputSchema: { message: z.string() } }, async ({ message }) => text(message));
server.registerTool('add', { description: 'Add two numbers', inputSchema: { a: z.number(), b: z.number() } }, async ({ a, b }) => text(String(a + b)));
server.registerTool('now', { description: 'The current time', inputSchema: {} }, async () => text(new Date().toISOString()));
server.registerTool('upper', { description: 'Upper-case a string', inputSchema: { value: z.string() } }, async ({ value }) => text(value.toUpperCase()));
server.registerTool(
  'status',
  { description: 'A fixed status object', inputSchema: { id: z.string().optional() }, outputSchema: { id: z.string(), status: z.string() } },
  async ({ id }) => {
    const out = { id: id ?? 'none', status: 'succeeded' };
    return { structuredContent: out, content: [{ type: 'text' as const, text: JSON.stringify(out) }] };
  },
);

await server.connect(new StdioServerTransport());
process.stdin.on('end', () => process.exit(0));

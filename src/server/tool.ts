import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerNotification, ServerRequest, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { Config } from '../config.ts';
import { UserError } from '../errors.ts';
import { explainError } from './unexpected-error.ts';
import type { Paths } from '../store/paths.ts';
import type { Notifier } from '../notify/notifier.ts';
import type { Registry } from '../store/registry.ts';

/** What every tool handler may use. Passed in, never imported as module state. */
export interface ToolDeps {
  config: Config;
  registry: Registry;
  paths: Paths;
  notifier: Notifier | null;
  log: (message: string) => void;
}

/** A tool is data: name, schemas, annotations, a handler returning structured output, and its one-line text. */
export interface Tool<In extends z.ZodObject, Out extends z.ZodObject> {
  name: string;
  title: string;
  description: string;
  inputSchema: In;
  outputSchema: Out;
  annotations: ToolAnnotations;
  handler(input: z.infer<In>, deps: ToolDeps, request: ToolRequest): Promise<z.infer<Out>>;
  summary(output: z.infer<Out>): string;
}

/** What a handler may use of the MCP request itself: cancellation and progress. */
export type ToolRequest = RequestHandlerExtra<ServerRequest, ServerNotification>;

export function defineTool<In extends z.ZodObject, Out extends z.ZodObject>(tool: Tool<In, Out>): Tool<In, Out> {
  return tool;
}

/**
 * Registers a tool. A thrown error becomes an `isError` result through the
 * SDK: a UserError with its own sentence, anything else (a bug, a lock
 * timeout, a file-system error) with a sentence from explainError while the
 * raw error goes to stderr. Handlers validate everything before they write,
 * so an error never leaves half a state behind.
 */
export function registerTool<In extends z.ZodObject, Out extends z.ZodObject>(
  server: McpServer,
  tool: Tool<In, Out>,
  deps: ToolDeps,
): void {
  // The SDK's generic callback type cannot follow a generic `In`; the schema it validates with is this one.
  const register = server.registerTool.bind(server) as (
    name: string,
    config: object,
    callback: (input: z.infer<In>, request: ToolRequest) => Promise<CallToolResult>,
  ) => void;
  register(
    tool.name,
    {
      title: tool.title,
      description: tool.description,
      inputSchema: tool.inputSchema,
      outputSchema: tool.outputSchema,
      annotations: tool.annotations,
    },
    async (input: z.infer<In>, request: ToolRequest) => {
      try {
        const output = await tool.handler(input, deps, request);
        const notices = deps.registry.takeNotices();
        const text = [...notices.map((n) => `⚠ ${n}`), tool.summary(output)].join('\n');
        return { structuredContent: output as Record<string, unknown>, content: [{ type: 'text' as const, text }] };
      } catch (error) {
        throw asUserFacing(error, tool.name, deps);
      }
    },
  );
}

/** A UserError as it is; anything else logged in full and replaced by a sentence a person can act on. */
export function asUserFacing(error: unknown, what: string, deps: Pick<ToolDeps, 'log' | 'paths'>): Error {
  if (error instanceof UserError) return error;
  deps.log(`${what} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return new Error(explainError(error, what, deps.paths), { cause: error });
}

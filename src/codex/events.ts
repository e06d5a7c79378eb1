import { parseJsonLine, preview } from './json-line.ts';
import { z } from 'zod';

/**
 * The JSONL events of `codex exec --json`, validated rather than cast. Every
 * schema is loose (unknown fields pass) and unknown event or item types parse
 * as `unknown`, because Codex adds types between releases and an old runner
 * must keep working on a new Codex.
 */

const usage = z.looseObject({
  input_tokens: z.number().default(0),
  cached_input_tokens: z.number().default(0),
  cache_write_input_tokens: z.number().default(0),
  output_tokens: z.number().default(0),
  reasoning_output_tokens: z.number().default(0),
});

const agentMessage = z.looseObject({ id: z.string(), type: z.literal('agent_message'), text: z.string() });
const reasoning = z.looseObject({ id: z.string(), type: z.literal('reasoning'), text: z.string().default('') });
const commandExecution = z.looseObject({
  id: z.string(),
  type: z.literal('command_execution'),
  command: z.string(),
  aggregated_output: z.string().default(''),
  exit_code: z.number().nullish(),
  status: z.string().optional(),
});
const fileChange = z.looseObject({
  id: z.string(),
  type: z.literal('file_change'),
  changes: z.array(z.looseObject({ path: z.string(), kind: z.string().optional() })).default([]),
  status: z.string().optional(),
});
const mcpToolCall = z.looseObject({
  id: z.string(),
  type: z.literal('mcp_tool_call'),
  server: z.string().optional(),
  tool: z.string().optional(),
  status: z.string().optional(),
});
const webSearch = z.looseObject({ id: z.string(), type: z.literal('web_search'), query: z.string().optional() });
const todoList = z.looseObject({
  id: z.string(),
  type: z.literal('todo_list'),
  items: z.array(z.looseObject({ text: z.string(), completed: z.boolean().optional() })).default([]),
});
const itemError = z.looseObject({ id: z.string(), type: z.literal('error'), message: z.string() });

const knownItem = z.discriminatedUnion('type', [
  agentMessage,
  reasoning,
  commandExecution,
  fileChange,
  mcpToolCall,
  webSearch,
  todoList,
  itemError,
]);
const unknownItem = z.looseObject({ id: z.string().optional(), type: z.string() });

const item = z.union([knownItem, unknownItem.transform((raw) => ({ ...raw, type: 'unknown' as const, rawType: raw.type }))]);
export type ThreadItem = z.infer<typeof item>;

const errorBody = z.looseObject({ message: z.string() });

const knownEvent = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('thread.started'), thread_id: z.string() }),
  z.looseObject({ type: z.literal('turn.started') }),
  z.looseObject({ type: z.literal('turn.completed'), usage: usage.optional() }),
  z.looseObject({ type: z.literal('turn.failed'), error: errorBody }),
  z.looseObject({ type: z.literal('item.started'), item }),
  z.looseObject({ type: z.literal('item.updated'), item }),
  z.looseObject({ type: z.literal('item.completed'), item }),
  z.looseObject({ type: z.literal('error'), message: z.string() }),
]);

export type CodexEvent = z.infer<typeof knownEvent> | { type: 'unknown'; rawType: string };

export type ParsedLine =
  | { ok: true; event: CodexEvent }
  | { ok: false; reason: string };

/** Parses one stdout line. Never throws: bad lines are reported, not fatal. */
export function parseEventLine(line: string): ParsedLine {
  const parsed = parseJsonLine(line);
  if (!parsed.ok) return parsed;
  const { json, text: trimmed } = parsed;
  const known = knownEvent.safeParse(json);
  if (known.success) return { ok: true, event: known.data };
  const typed = z.looseObject({ type: z.string() }).safeParse(json);
  if (!typed.success) return { ok: false, reason: `no event type: ${preview(trimmed)}` };
  const isKnownType = knownEvent.options.some((option) => option.shape.type.value === typed.data.type);
  if (isKnownType) return { ok: false, reason: `malformed ${typed.data.type} event: ${known.error.issues[0]?.message ?? ''}` };
  return { ok: true, event: { type: 'unknown', rawType: typed.data.type } };
}

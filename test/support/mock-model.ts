// A mock OpenAI Responses API for driving the real `codex exec` binary offline.
// Behaviour is picked by directive lines in the prompt (list in
// test/fixtures/codex-events/README.md), so one mock serves tests, demo and
// benchmark, and the system under test only controls the prompt text.
import http from 'node:http';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Parsed JSON body of one POST /v1/responses. */
export interface RecordedRequest {
  model?: string;
  input?: InputItem[];
  tools?: { type?: string; name?: string }[];
  [key: string]: unknown;
}

export interface InputItem {
  type?: string;
  role?: string;
  content?: { type?: string; text?: string }[];
  call_id?: string;
  output?: unknown;
  [key: string]: unknown;
}

export interface MockModel {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export const MOCK_ENV: { MOCK_API_KEY: string } = { MOCK_API_KEY: 'mock-key' };

export async function writeCodexHome(dir: string, mockUrl: string, options: { model?: string; retries?: number } = {}): Promise<void> {
  // Retries at 0 by default so HTTP errors fail in ~0.3 s instead of ~25 s (a test of
  // Codex's retries sets them); plugins, shell snapshot and analytics off so Codex
  // starts nothing it doesn't need.
  const retries = options.retries ?? 0;
  const toml = `model = ${JSON.stringify(options.model ?? 'mock-model')}
model_provider = "mock"
check_for_update_on_startup = false

[model_providers.mock]
name = "mock"
base_url = ${JSON.stringify(mockUrl)}
wire_api = "responses"
env_key = "MOCK_API_KEY"
requires_openai_auth = false
request_max_retries = ${retries}
stream_max_retries = ${retries}

[features]
plugins = false
shell_snapshot = false

[analytics]
enabled = false
`;
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'config.toml'), toml);
}

type ToolCall =
  | { kind: 'run'; cmd: string; justification?: string } // justification: asks to run outside the sandbox
  | { kind: 'patch'; file: string; content: string };
type Final =
  | { kind: 'text'; text?: string } // undefined: the default answer
  | { kind: 'http'; status: number; body: unknown }
  | { kind: 'stream-fail'; message: string };

interface Plan {
  calls: ToolCall[];
  final: Final;
  usage: { input: number; output: number };
  sleepMs: number;
  reasoningItems: number;
  /** `@busy`: the number of sleep steps; user messages that arrive meanwhile (steers) are echoed. */
  busySteps: number | null;
  /** `@json`: answer an object that fits the request's output schema. */
  json: boolean;
  /** `@images`: answer how many image inputs the request carried. */
  images?: boolean;
}

/** One `@busy` step: a short command, so a steer has a point to arrive at. */
const BUSY_STEP_MS = 500;

const shellQuote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;
const httpError = (status: number, message: string, type: string): Final =>
  ({ kind: 'http', status, body: { error: { message, type, code: null } } });

/** Lines of 79 letters + "\n", cut to exactly n characters. */
function bigText(n: number): string {
  const line = 'abcdefghij'.repeat(8).slice(0, 79) + '\n';
  return line.repeat(Math.ceil(n / 80)).slice(0, n);
}

function planFor(prompt: string): Plan {
  const plan: Plan = { calls: [], final: { kind: 'text' }, usage: { input: 100, output: 20 }, sleepMs: 0, reasoningItems: 0, busySteps: null, json: false };
  for (const line of prompt.split('\n')) {
    const m = /^@([a-z-]+)(?:[ \t](.*))?$/.exec(line.trim());
    if (!m) continue;
    const arg = m[2] ?? '';
    const [first = '', ...restWords] = arg.split(' ');
    const rest = restWords.join(' ');
    switch (m[1]) {
      case 'reply': plan.final = { kind: 'text', text: arg }; break;
      case 'reply-json': plan.final = { kind: 'text', text: String(JSON.parse(arg)) }; break;
      case 'big': plan.final = { kind: 'text', text: bigText(Number(arg) || 0) }; break;
      case 'run': plan.calls.push({ kind: 'run', cmd: arg }); break;
      case 'write': plan.calls.push({ kind: 'run', cmd: `printf '%s' ${shellQuote(rest)} > ${shellQuote(first)}` }); break;
      case 'patch': plan.calls.push({ kind: 'patch', file: first, content: rest }); break;
      case 'sleep': plan.sleepMs = Number(arg) || 0; break;
      case 'busy': {
        const steps = Math.max(1, Math.ceil((Number(arg) || 0) / BUSY_STEP_MS));
        plan.busySteps = steps;
        for (let i = 0; i < steps; i++) plan.calls.push({ kind: 'run', cmd: `sleep ${BUSY_STEP_MS / 1000}` });
        break;
      }
      case 'escalate': plan.calls.push({ kind: 'run', cmd: arg, justification: `Mock: run \`${arg}\` outside the sandbox?` }); break;
      case 'json': plan.json = true; break;
      case 'images': plan.images = true; break;
      case 'events': plan.reasoningItems = Number(arg) || 0; break;
      case 'usage': plan.usage = { input: Number(first) || 0, output: Number(restWords[0]) || 0 }; break;
      case 'fail': plan.final = httpError(400, arg, 'invalid_request_error'); break;
      case 'http': plan.final = httpError(Number(first) || 500, rest, 'server_error'); break;
      case 'fail-stream': plan.final = { kind: 'stream-fail', message: arg }; break;
      case 'usage-limit': {
        // Codex reads resets_at (unix seconds) to say "try again at <time>";
        // without it the message ends "try again later" (deterministic).
        const error: Record<string, unknown> = { type: 'usage_limit_reached', message: 'The usage limit has been reached', plan_type: 'plus' };
        if (arg) error.resets_at = Math.floor(Date.now() / 1000) + Number(arg);
        plan.final = { kind: 'http', status: 429, body: { error } };
        break;
      }
    }
  }
  return plan;
}

function promptIndex(input: InputItem[]): number {
  for (let i = input.length - 1; i >= 0; i--) {
    if (input[i]?.type === 'message' && input[i]?.role === 'user') return i;
  }
  return -1;
}

/**
 * The prompt of a running `@busy` turn: the latest user message with a `@busy`
 * line and no assistant message after it. Later user messages are steers.
 * -1 when there is none (then the last user message is the prompt, as always).
 */
function busyPromptIndex(input: InputItem[]): number {
  for (let i = input.length - 1; i >= 0; i--) {
    const item = input[i];
    if (item?.type !== 'message') continue;
    if (item.role === 'assistant') return -1;
    const text = (item.content ?? []).map((c) => c.text ?? '').join('');
    if (item.role === 'user' && /^\s*@busy\b/m.test(text)) return i;
  }
  return -1;
}

const textOf = (item: InputItem): string => (item.content ?? []).map((c) => c.text ?? '').join('');

/** An object fitting a JSON schema's properties (strings "mock", numbers 42, booleans true), so a test sees the schema arrived. */
function sampleFor(schema: unknown): unknown {
  const s = (schema ?? {}) as { type?: string; properties?: Record<string, unknown>; items?: unknown };
  switch (s.type) {
    case 'object':
      return Object.fromEntries(Object.entries(s.properties ?? {}).map(([key, value]) => [key, sampleFor(value)]));
    case 'array': return [sampleFor(s.items)];
    case 'number': case 'integer': return 42;
    case 'boolean': return true;
    case 'null': return null;
    default: return 'mock';
  }
}

/** Codex 0.171 wraps exec output as "Chunk ID: …\nOutput:\n<text>"; keep the text. */
function outputExcerpt(output: unknown): string {
  const raw = typeof output === 'string' ? output : JSON.stringify(output ?? '');
  const at = raw.indexOf('Output:\n');
  return (at >= 0 ? raw.slice(at + 8) : raw).trimEnd().slice(0, 200);
}

const isCall = (i: InputItem): boolean => i.type === 'function_call' || i.type === 'custom_tool_call';

function toolCallItem(call: ToolCall, id: string): Record<string, unknown> {
  if (call.kind === 'patch') {
    // apply_patch is a freeform ("custom") tool, offered only for catalog models.
    const input = `*** Begin Patch\n*** Add File: ${call.file}\n+${call.content}\n*** End Patch\n`;
    return { type: 'custom_tool_call', id: `ctc_${id}`, call_id: `call_${id}`, name: 'apply_patch', input, status: 'completed' };
  }
  // login:false keeps the user's profile (pyenv etc. noise) out of the output.
  const escalation = call.justification ? { sandbox_permissions: 'require_escalated', justification: call.justification } : {};
  const args = JSON.stringify({ cmd: call.cmd, login: false, ...escalation });
  return { type: 'function_call', id: `fc_${id}`, call_id: `call_${id}`, name: 'exec_command', arguments: args };
}

const POLL = 'write_stdin';

/** The next tool call of the turn, or undefined when the final answer is due. */
function nextCall(plan: Plan, since: InputItem[], id: string): Record<string, unknown> | undefined {
  const calls = since.filter(isCall);
  const last = calls.at(-1);
  const lastOutput = since.find((i) => i.type?.endsWith('call_output') && i.call_id === last?.call_id)?.output;
  // exec_command returns after ~10 s with a session id while the command still
  // runs; poll it to the end as a real model would, so long @run commands work.
  const running = /Process running with session ID (\d+)/.exec(typeof lastOutput === 'string' ? lastOutput : '');
  if (running) {
    const args = JSON.stringify({ session_id: Number(running[1]), chars: '', yield_time_ms: 300_000 });
    return { type: 'function_call', id: `fc_${id}`, call_id: `call_${id}`, name: POLL, arguments: args };
  }
  const next = plan.calls[calls.filter((c) => c.name !== POLL).length];
  return next && toolCallItem(next, id);
}

/** "Ran: <command>\n<output excerpt>" for each call of the turn. */
function summary(plan: Plan, since: InputItem[]): string {
  const outputs = new Map(since.filter((i) => i.type?.endsWith('call_output')).map((i) => [i.call_id, i.output]));
  const parts: string[][] = [];
  for (const call of since.filter(isCall)) {
    const excerpt = outputExcerpt(outputs.get(call.call_id));
    if (call.name !== POLL) {
      const planned = plan.calls[parts.length];
      parts.push([`Ran: ${planned?.kind === 'run' ? planned.cmd : `apply_patch ${planned?.file ?? ''}`}`]);
    }
    if (excerpt) parts.at(-1)?.push(excerpt);
  }
  return parts.map((p) => p.join('\n')).join('\n');
}

/** The final response: optional reasoning items, then the answer. */
function finalItems(plan: Plan, prompt: string, since: InputItem[], id: string, body: RecordedRequest): Record<string, unknown>[] {
  let text = plan.final.kind === 'text' ? plan.final.text : undefined;
  if (text === undefined && plan.busySteps !== null) {
    const steers = since.filter((i) => i.type === 'message' && i.role === 'user').map(textOf);
    text = [`MOCK-BUSY-DONE steps=${plan.busySteps}`, ...steers.map((steer) => `MOCK-STEER-SEEN: ${steer}`)].join('\n');
  }
  if (text === undefined && plan.images) {
    const parts = ((body.input ?? []) as { content?: unknown }[]).flatMap((item) => (Array.isArray(item.content) ? item.content : []));
    text = `MOCK-IMAGES: ${parts.filter((part: { type?: string }) => part.type === 'input_image').length}`;
  }
  if (text === undefined && plan.json) {
    const format = (body.text as { format?: { type?: string; schema?: unknown } } | undefined)?.format;
    text = JSON.stringify(format?.type === 'json_schema' ? sampleFor(format.schema) : { error: 'no output schema in the request' });
  }
  if (text === undefined && since.some(isCall)) text = summary(plan, since);
  text ??= 'Mock answer: ' + (prompt.split('\n')[0] ?? '').slice(0, 200);
  const items: Record<string, unknown>[] = [];
  // Each reasoning item becomes one item.completed line on Codex's stdout.
  for (let i = 0; i < plan.reasoningItems; i++) {
    items.push({ type: 'reasoning', id: `rs_${id}_${i}`, summary: [{ type: 'summary_text', text: `Step ${i + 1} of ${plan.reasoningItems}` }] });
  }
  items.push({ type: 'message', role: 'assistant', id: `msg_${id}`, status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] });
  return items;
}

function sse(events: Record<string, unknown>[]): string {
  return events.map((e) => `event: ${String(e.type)}\ndata: ${JSON.stringify(e)}\n\n`).join('');
}

// Codex only needs output_item.done per item (it shows no deltas in exec --json).
function streamBody(id: string, items: Record<string, unknown>[], usage: Plan['usage']): string {
  const done = items.map((item, output_index) => ({ type: 'response.output_item.done', output_index, item }));
  const tokens = {
    input_tokens: usage.input,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: usage.output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: usage.input + usage.output,
  };
  return sse([{ type: 'response.created', response: { id } }, ...done, { type: 'response.completed', response: { id, usage: tokens } }]);
}

export async function startMockModel(options: { defaultDelayMs?: number } = {}): Promise<MockModel> {
  const requests: RecordedRequest[] = [];
  let seq = 0;

  const respond = async (body: RecordedRequest, res: http.ServerResponse, closed: AbortSignal): Promise<void> => {
    const input = body.input ?? [];
    const busyAt = busyPromptIndex(input);
    const at = busyAt >= 0 ? busyAt : promptIndex(input);
    const prompt = (input[at]?.content ?? []).map((c) => c.text ?? '').join('');
    const plan = planFor(prompt);
    const since = input.slice(at + 1);
    const id = `resp_${++seq}`;
    const call = nextCall(plan, since, String(seq));
    const isFinal = call === undefined;

    // @sleep delays the final answer only, so tool calls still show progress first.
    const delay = (options.defaultDelayMs ?? 0) + (isFinal ? plan.sleepMs : 0);
    if (delay > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        closed.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
      });
    }
    if (closed.aborted) return;

    if (isFinal && plan.final.kind === 'http') {
      res.writeHead(plan.final.status, { 'content-type': 'application/json' }).end(JSON.stringify(plan.final.body));
    } else if (isFinal && plan.final.kind === 'stream-fail') {
      // Codex reports this as "stream disconnected before completion: <message>".
      const error = { code: 'server_error', message: plan.final.message };
      res.writeHead(200, { 'content-type': 'text/event-stream' })
        .end(sse([{ type: 'response.created', response: { id } }, { type: 'response.failed', response: { id, error } }]));
    } else {
      const items = call ? [call] : finalItems(plan, prompt, since, String(seq), body);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }).end(streamBody(id, items, plan.usage));
    }
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url?.endsWith('/responses')) {
        res.writeHead(404).end();
        return;
      }
      let body: RecordedRequest;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as RecordedRequest;
      } catch {
        res.writeHead(400).end('mock model: body is not JSON');
        return;
      }
      requests.push(body);
      // A client that goes away (Codex killed during @sleep) cancels the answer.
      const closed = new AbortController();
      res.on('close', () => closed.abort());
      respond(body, res, closed.signal).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(err));
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('mock model: no TCP address');

  return {
    url: `http://127.0.0.1:${address.port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections(); // keep-alive sockets and answers pending in @sleep
      }),
  };
}

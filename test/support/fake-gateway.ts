// A fake OpenClaw gateway for tests: a real HTTP server on 127.0.0.1 that
// answers /tools/invoke and /hooks/* the way OpenClaw 2026.9.6 does (status
// codes and bodies copied from a real gateway, see test/openclaw/contract.test.ts),
// records every request, and can misbehave on demand (error statuses, delays,
// hangs, dropped connections) so retry and timeout paths can be tested cheaply.
import http from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  at: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: any;
  /** HTTP status sent; 0 when no answer was given ('hang' / 'down'). */
  status: number;
}

export type FakeMode =
  | 'ok'
  | { status: number; times?: number; body?: unknown }
  | { delayMs: number }
  | 'hang'
  /** Answers 200 at once, then sends the body a byte at a time forever: each chunk resets a per-phase body timeout. */
  | 'trickle'
  /** Not listening at all: connections are refused, as when the gateway is stopped. */
  | 'down'
  /** Reads the whole request, then drops the connection without an answer: it may have acted on it. */
  | 'drop';

export interface FakeGateway {
  url: string;
  gatewayToken: string;
  hooksToken: string;
  calls: RecordedCall[];
  /**
   * Applies to every following request (health checks included), or only to those `only` picks
   * (the others are answered 'ok'). `times` = only the next N (picked) requests, then back to 'ok'.
   * `{ delayMs }` answers late: the message is delivered, the answer comes after the delay.
   */
  setMode(mode: FakeMode, only?: (call: RecordedCall) => boolean): void;
  /** Default false, like OpenClaw's default config: a request sessionKey on /hooks/* is refused with 400. */
  allowRequestSessionKey: boolean;
  /** Default false, like OpenClaw: sessions_send is on the HTTP deny list (404) unless gateway.tools.allow lists it. */
  allowSessionsSend: boolean;
  waitFor(predicate: (c: RecordedCall) => boolean, timeoutMs?: number): Promise<RecordedCall>;
  /** Texts of successful (non-dryRun) message sends, in order. */
  messages(): string[];
  close(): Promise<void>;
}

const HOOK_BODY_LIMIT = 256 * 1024;
const SESSION_KEY_DISABLED =
  'sessionKey is disabled for externally supplied hook payload values; set hooks.allowRequestSessionKey=true to enable';
const SESSION_KEY_PREFIXES = ['agent:', 'hook:'];

type Reply = { status: number; body: unknown };
const json = (status: number, body: unknown): Reply => ({ status, body });
const toolError = (status: number, type: string, message: string) => json(status, { ok: false, error: { type, message } });

export async function startFakeGateway(options: { gatewayToken?: string; hooksToken?: string } = {}): Promise<FakeGateway> {
  const gatewayToken = options.gatewayToken ?? `gw-${randomBytes(12).toString('hex')}`;
  const hooksToken = options.hooksToken ?? `hk-${randomBytes(12).toString('hex')}`;
  const calls: RecordedCall[] = [];
  const sent: string[] = [];
  const waiters = new Set<{ pred: (c: RecordedCall) => boolean; resolve: (c: RecordedCall) => void }>();
  const runIds = new Map<string, string>(); // idempotency key + body -> runId
  let lastWakeText: string | undefined;
  let messageCounter = 0;
  let mode: FakeMode = 'ok';
  let picks: ((call: RecordedCall) => boolean) | undefined;
  let remaining = Infinity; // requests left for a { status, times } mode

  const record = (call: RecordedCall) => {
    calls.push(call);
    for (const w of waiters) if (w.pred(call)) { waiters.delete(w); w.resolve(call); }
  };

  // Bearer (precedence) or X-OpenClaw-Token, as the real hooks endpoint reads it.
  const tokenOf = (h: http.IncomingHttpHeaders) => {
    const bearer = /^Bearer\s+(.+)$/i.exec(h.authorization ?? '')?.[1]?.trim();
    return bearer || (typeof h['x-openclaw-token'] === 'string' ? h['x-openclaw-token'] : undefined);
  };

  function toolsInvoke(headers: http.IncomingHttpHeaders, body: any): Reply {
    if (tokenOf(headers) !== gatewayToken) return json(401, { error: { message: 'Unauthorized', type: 'unauthorized' } });
    const tool = body?.name ?? body?.tool;
    const args = body?.args ?? {};
    if (!tool) return toolError(400, 'invalid_request', 'tools.invoke requires name');
    if (tool === 'sessions_send' && gateway.allowSessionsSend) {
      // Real answers are HTTP 200 either way: the outcome is in details.status.
      const key = String(args.sessionKey ?? '');
      const details = key.startsWith('agent:')
        ? { runId: randomUUID(), status: 'accepted', sessionKey: key, targetDisposition: 'queued', delivery: { status: 'pending', mode: 'announce' } }
        : { runId: randomUUID(), status: 'error', error: `Session not found: ${key} (use the full sessionKey from sessions_list)` };
      return json(200, { ok: true, result: { details } });
    }
    if (tool !== 'message') return toolError(404, 'not_found', `Tool not available: ${tool}`);
    const action = args.action ?? body.action;
    const channel = String(args.channel ?? '');
    const to = `${channel}:${args.target ?? ''}`;
    if (!channel) return toolError(500, 'tool_error', 'tool execution failed'); // real: "Channel is required" in its log only
    if (action === 'edit') {
      if (!args.messageId) return toolError(400, 'tool_error', 'messageId required');
      if (args.dryRun) return json(200, { ok: true, result: { details: { ok: true, dryRun: true, channel, action: 'edit' } } });
      return json(200, { ok: true, result: { details: { ok: true, messageId: String(args.messageId), chatId: String(args.target) } } });
    }
    // Real quirks: an unknown action or an empty message is a 500, a missing message a 400.
    if (action !== 'send') return toolError(500, 'tool_error', 'tool execution failed');
    if (args.message === undefined) return toolError(400, 'tool_error', 'message required');
    if (typeof args.message !== 'string' || args.message === '') return toolError(500, 'tool_error', 'tool execution failed');
    const base = { channel, to, via: 'direct', mediaUrl: null };
    if (args.dryRun) {
      return json(200, { ok: true, result: { details: { ...base, dryRun: true, messageDelivery: { status: 'dryRun', partialDelivery: false, createdThreadIds: [] } } } });
    }
    // Shape of a real successful send, taken from OpenClaw's source (we cannot send for real in tests):
    // deliveryStatus "sent", messageDelivery.status "settled", the id in result.messageId and primaryPlatformMessageId.
    const messageId = `m${++messageCounter}`;
    sent.push(args.message);
    return json(200, { ok: true, result: { details: { ...base, result: { messageId, chatId: String(args.target) }, deliveryStatus: 'sent',
      messageDelivery: { status: 'settled', primaryPlatformMessageId: messageId, partialDelivery: false, createdThreadIds: [] } } } });
  }

  function hooks(path: string, search: string, headers: http.IncomingHttpHeaders, body: any): Reply | { text: string; status: number } {
    if (new URLSearchParams(search).has('token')) {
      return { status: 400, text: 'Hook token must be provided via Authorization: Bearer <token> or X-OpenClaw-Token header (query parameters are not allowed).' };
    }
    if (tokenOf(headers) !== hooksToken) return { status: 401, text: 'Unauthorized' }; // plain text, not JSON
    if (typeof body !== 'object' || body === null) body = {}; // the real one then says "text/message required"
    if (body.sessionKey !== undefined) {
      if (!gateway.allowRequestSessionKey) return json(400, { ok: false, error: SESSION_KEY_DISABLED });
      if (!SESSION_KEY_PREFIXES.some((p) => String(body.sessionKey).toLowerCase().startsWith(p))) {
        return json(400, { ok: false, error: `sessionKey must start with one of: ${SESSION_KEY_PREFIXES.join(', ')}` });
      }
    }
    if (path === '/hooks/wake') {
      if (typeof body.text !== 'string' || !body.text.trim()) return json(400, { ok: false, error: 'text required' });
      if (body.sessionKey !== undefined && (body.mode ?? 'now') !== 'now') return json(400, { ok: false, error: 'sessionKey requires mode=now' });
      const outcome = body.text === lastWakeText ? 'coalesced' : 'queued';
      lastWakeText = body.text;
      return json(200, { ok: true, mode: body.mode ?? 'now', eventOutcome: outcome });
    }
    if (typeof body.message !== 'string' || !body.message.trim()) return json(400, { ok: false, error: 'message required' });
    const idem = headers['idempotency-key'] ?? headers['x-openclaw-idempotency-key'] ?? body.idempotencyKey;
    const { idempotencyKey: _ignored, ...dispatch } = body;
    const memo = typeof idem === 'string' && idem.trim() ? `${idem}\n${JSON.stringify(dispatch)}` : undefined;
    const runId = (memo && runIds.get(memo)) || randomUUID();
    if (memo) runIds.set(memo, runId);
    return json(200, { ok: true, runId });
  }

  function route(method: string, url: URL, headers: http.IncomingHttpHeaders, body: any, tooLarge: boolean) {
    const path = url.pathname;
    if (method === 'GET' && (path === '/health' || path === '/healthz')) return json(200, { ok: true, status: 'live' });
    if (method === 'GET' && (path === '/ready' || path === '/readyz')) return json(200, { ready: true, failing: [] });
    if (path === '/tools/invoke' || path === '/hooks/agent' || path === '/hooks/wake') {
      if (method !== 'POST') return { status: 405, text: 'Method Not Allowed' };
      if (path === '/tools/invoke') return toolsInvoke(headers, body);
      if (tooLarge) return json(413, { ok: false, error: 'payload too large' });
      return hooks(path, url.search, headers, body);
    }
    return { status: 404, text: 'Not Found' };
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => { size += c.length; if (size <= HOOK_BODY_LIMIT + 1) chunks.push(c); });
    req.on('end', async () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: any = raw === '' ? undefined : raw;
      try { if (raw) body = JSON.parse(raw); } catch { /* keep the raw text */ }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      const call: RecordedCall = { at: Date.now(), method: req.method ?? '', path: (req.url ?? '/').split('?')[0]!, headers, body, status: 0 };

      const current = !picks || picks(call) ? mode : 'ok';
      if (typeof current === 'object' && 'status' in current && --remaining <= 0) { mode = 'ok'; remaining = Infinity; picks = undefined; }
      if (current === 'drop' || current === 'down') { record(call); req.socket.destroy(); return; }
      if (current === 'hang') { record(call); return; } // never answered; close() drops it
      if (current === 'trickle') {
        call.status = 200;
        record(call);
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        const drip = setInterval(() => res.write(' '), 200);
        res.on('close', () => clearInterval(drip));
        return;
      }
      if (typeof current === 'object' && 'delayMs' in current) await new Promise((r) => setTimeout(r, current.delayMs));

      const reply: Reply | { status: number; text: string } =
        typeof current === 'object' && 'status' in current
          ? json(current.status, current.body ?? { ok: false, error: { type: 'injected', message: `injected ${current.status}` } })
          : route(call.method, new URL(req.url ?? '/', 'http://x'), req.headers, body, size > HOOK_BODY_LIMIT);
      call.status = reply.status;
      if ('text' in reply) res.writeHead(reply.status, { 'content-type': 'text/plain; charset=utf-8' }).end(reply.text);
      else res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(reply.body));
      record(call);
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const gateway: FakeGateway = {
    url: `http://127.0.0.1:${port}`,
    gatewayToken,
    hooksToken,
    calls,
    allowRequestSessionKey: false,
    allowSessionsSend: false,
    setMode(next, only) {
      const wasDown = mode === 'down' && !picks;
      mode = next;
      picks = only;
      remaining = typeof next === 'object' && 'status' in next && next.times !== undefined ? next.times : Infinity;
      // 'down' for every request stops listening (connections refused); leaving it listens on the same port again.
      if (next === 'down' && !only && !wasDown) {
        server.close();
        server.closeAllConnections();
      } else if (wasDown && !(next === 'down' && !only)) {
        server.listen(port, '127.0.0.1');
      }
    },
    waitFor(pred, timeoutMs = 5000) {
      const hit = calls.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve: (c: RecordedCall) => { clearTimeout(timer); resolve(c); } };
        const timer = setTimeout(() => { waiters.delete(w); reject(new Error(`fake gateway: no matching call within ${timeoutMs} ms`)); }, timeoutMs);
        waiters.add(w);
      });
    },
    messages: () => [...sent],
    close() {
      server.closeAllConnections(); // also ends 'hang' requests
      if (!server.listening) return Promise.resolve();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return gateway;
}

// Proves the fake gateway behaves like OpenClaw where tests depend on it
// (auth split between gateway and hooks tokens, idempotent runIds) and that
// its failure modes really happen on the wire (status, delay, hang, down).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startFakeGateway, type FakeGateway } from '../support/fake-gateway.ts';

let gw: FakeGateway;
before(async () => { gw = await startFakeGateway(); });
after(async () => { await gw.close(); });

async function post(path: string, token: string, body: unknown, headers: Record<string, string> = {}, timeoutMs = 5000) {
  const res = await request(`${gw.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const text = await res.body.text();
  let json: any;
  try { json = JSON.parse(text); } catch { json = text; }
  return { status: res.statusCode, body: json };
}

const send = (message?: string, extra: object = {}) => ({ tool: 'message', args: { action: 'send', channel: 'telegram', target: '123', message, ...extra } });

test('tokens: gateway token for /tools/invoke, hooks token for /hooks, never crossed', async () => {
  assert.equal((await post('/tools/invoke', gw.hooksToken, send('x'))).status, 401);
  assert.deepEqual((await post('/tools/invoke', 'nope', send('x'))).body, { error: { message: 'Unauthorized', type: 'unauthorized' } });
  assert.equal((await post('/hooks/wake', gw.gatewayToken, { text: 'x' })).status, 401);
  const viaHeader = await post('/hooks/wake', 'ignored', { text: 'via x-openclaw-token' }, { authorization: '', 'x-openclaw-token': gw.hooksToken });
  assert.equal(viaHeader.status, 200);
  assert.equal(viaHeader.body.eventOutcome, 'queued');
});

test('message send, dryRun, validation and unknown tools', async () => {
  const ok = await post('/tools/invoke', gw.gatewayToken, send('hello'));
  assert.equal(ok.status, 200);
  assert.equal(ok.body.result.details.messageDelivery.status, 'settled');
  assert.match(ok.body.result.details.result.messageId, /^m\d+$/);
  const dry = await post('/tools/invoke', gw.gatewayToken, send('dry', { dryRun: true }));
  assert.equal(dry.body.result.details.messageDelivery.status, 'dryRun');
  assert.deepEqual((await post('/tools/invoke', gw.gatewayToken, send())).body.error.message, 'message required');
  const unknown = await post('/tools/invoke', gw.gatewayToken, { tool: 'nope_tool', args: {} });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error.message, 'Tool not available: nope_tool');
  assert.deepEqual(gw.messages().slice(-1), ['hello']); // dryRun is not a message
});

test('hooks/agent: sessionKey refused by default; idempotency key replays the runId', async () => {
  const body = { message: 'done', name: 'codex', sessionKey: 'agent:main:main', sessionMode: 'persistent', wakeMode: 'now' };
  const refused = await post('/hooks/agent', gw.hooksToken, body);
  assert.equal(refused.status, 400);
  assert.match(refused.body.error, /allowRequestSessionKey=true/);
  gw.allowRequestSessionKey = true;
  try {
    const a = await post('/hooks/agent', gw.hooksToken, body, { 'idempotency-key': 'k1' });
    const b = await post('/hooks/agent', gw.hooksToken, body, { 'idempotency-key': 'k1' });
    const c = await post('/hooks/agent', gw.hooksToken, { ...body, message: 'other' }, { 'idempotency-key': 'k1' });
    assert.equal(a.status, 200);
    assert.equal(a.body.runId, b.body.runId);
    assert.notEqual(a.body.runId, c.body.runId);
  } finally {
    gw.allowRequestSessionKey = false;
  }
  assert.equal((await post('/hooks/wake', gw.hooksToken, { mode: 'now' })).status, 400);
});

test('mode { status, times } fails only the next N requests, and they are recorded', async () => {
  gw.setMode({ status: 503, times: 2 });
  assert.equal((await post('/tools/invoke', gw.gatewayToken, send('a'))).status, 503);
  assert.equal((await post('/tools/invoke', gw.gatewayToken, send('b'))).status, 503);
  assert.equal((await post('/tools/invoke', gw.gatewayToken, send('c'))).status, 200);
  assert.deepEqual(gw.calls.slice(-3).map((c) => c.status), [503, 503, 200]);
  assert.equal(gw.calls.at(-1)!.body.args.message, 'c');
});

test('mode { delayMs } delays the answer', async () => {
  gw.setMode({ delayMs: 300 });
  const t0 = Date.now();
  const res = await post('/tools/invoke', gw.gatewayToken, send('slow'));
  gw.setMode('ok');
  assert.equal(res.status, 200);
  assert.ok(Date.now() - t0 >= 280, `answered after ${Date.now() - t0} ms`);
});

test("mode 'hang' never answers (client timeout); 'drop' drops the connection; 'down' refuses it", async () => {
  gw.setMode('hang');
  await assert.rejects(post('/tools/invoke', gw.gatewayToken, send('hang'), {}, 300), { code: 'UND_ERR_HEADERS_TIMEOUT' });
  const hung = await gw.waitFor((c) => c.body?.args?.message === 'hang');
  assert.equal(hung.status, 0);
  gw.setMode('drop');
  await assert.rejects(post('/hooks/wake', gw.hooksToken, { text: 'drop' }), (err: any) => ['UND_ERR_SOCKET', 'ECONNRESET'].includes(err.code));
  gw.setMode('down');
  await assert.rejects(post('/hooks/wake', gw.hooksToken, { text: 'down' }), (err: any) => err.code === 'ECONNREFUSED' || err.cause?.code === 'ECONNREFUSED' || /ECONNREFUSED/.test(String(err)));
  gw.setMode('ok');
  gw.setMode('ok');
  assert.equal((await post('/hooks/wake', gw.hooksToken, { text: 'back' })).status, 200);
  await assert.rejects(gw.waitFor((c) => c.path === '/never', 50), /no matching call/);
});

// Contract test: the HTTP answers codex-delegate-mcp relies on, checked against
// a real OpenClaw gateway (skipped with a reason when it is not installed, see
// test/support/real-openclaw.ts) and against the fake gateway used by the fast
// tests, so the fake cannot drift from the real thing unnoticed.
// Run: node --test test/openclaw/contract.test.ts (a real gateway takes ~12 s
// to start and ~1 GB of RAM; two are started, one after the other).
import { describe, test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startRealOpenClaw, type RealOpenClaw } from '../support/real-openclaw.ts';
import { startFakeGateway, type FakeGateway } from '../support/fake-gateway.ts';
import { approvalMessage, approvalWakeMessage } from '../../src/notify/messages.ts';
import { agentWakeBody, messageArgs } from '../../src/notify/notifier.ts';
import { newTurn, type ApprovalRecord, type Session } from '../../src/store/session.ts';

interface Target { url: string; gatewayToken: string; hooksToken: string }

async function post(target: Target, path: string, token: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await request(`${target.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    headersTimeout: 60_000, // a cold real gateway takes a few seconds for its first hook run
  });
  const text = await res.body.text();
  let json: any = text;
  try { json = JSON.parse(text); } catch { /* plain-text answers, e.g. hook auth failures */ }
  return { status: res.statusCode, body: json };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const send = (args: object) => ({ tool: 'message', args: { action: 'send', channel: 'telegram', target: '123', ...args } });
const persistent = (message: string, sessionKey = 'agent:main:main') => ({ message, name: 'codex', sessionKey, sessionMode: 'persistent', wakeMode: 'now' });

// --- cases shared by the real and the fake gateway ---------------------------------

async function toolsInvokeCases(gw: Target) {
  // 1. dryRun: validates and resolves the route; needs no configured channel at all.
  const dry = await post(gw, '/tools/invoke', gw.gatewayToken, send({ message: 'hi', dryRun: true }));
  assert.equal(dry.status, 200, JSON.stringify(dry.body));
  assert.equal(dry.body.ok, true);
  assert.equal(dry.body.result.details.to, 'telegram:123');
  assert.deepEqual(dry.body.result.details.messageDelivery, { status: 'dryRun', partialDelivery: false, createdThreadIds: [] });

  const missing = await post(gw, '/tools/invoke', gw.gatewayToken, send({}));
  assert.equal(missing.status, 400);
  assert.deepEqual(missing.body, { ok: false, error: { type: 'tool_error', message: 'message required' } });

  // 4. `edit` is a message action (Telegram: target + messageId + message).
  const edit = await post(gw, '/tools/invoke', gw.gatewayToken,
    { tool: 'message', args: { action: 'edit', channel: 'telegram', target: '123', messageId: '42', message: 'updated', dryRun: true } });
  assert.equal(edit.status, 200, JSON.stringify(edit.body));
  assert.deepEqual(edit.body.result.details, { ok: true, dryRun: true, channel: 'telegram', action: 'edit' });

  const unknown = await post(gw, '/tools/invoke', gw.gatewayToken, { tool: 'nope_tool', args: {} });
  assert.equal(unknown.status, 404);
  assert.deepEqual(unknown.body, { ok: false, error: { type: 'not_found', message: 'Tool not available: nope_tool' } });

  // sessions_send is on the HTTP deny list unless gateway.tools.allow lists it.
  const legacy = await post(gw, '/tools/invoke', gw.gatewayToken, { tool: 'sessions_send', args: { sessionKey: 'agent:main:main', message: 'x', timeoutSeconds: 0 } });
  assert.equal(legacy.status, 404);

  for (const token of [gw.hooksToken, 'wrong-token']) {
    const denied = await post(gw, '/tools/invoke', token, send({ message: 'hi', dryRun: true }));
    assert.equal(denied.status, 401);
    assert.deepEqual(denied.body, { error: { message: 'Unauthorized', type: 'unauthorized' } });
  }
}

async function hooksDefaultCases(gw: Target) {
  // 2b. default config: a request sessionKey is refused.
  const refused = await post(gw, '/hooks/agent', gw.hooksToken, persistent('job done'), { 'Idempotency-Key': 'k1' });
  assert.equal(refused.status, 400);
  assert.deepEqual(refused.body, { ok: false, error: 'sessionKey is disabled for externally supplied hook payload values; set hooks.allowRequestSessionKey=true to enable' });

  // 3. wake works with the default hooks config.
  const text = `codex job finished ${Date.now()}`;
  const wake = await post(gw, '/hooks/wake', gw.hooksToken, { text, mode: 'now' });
  assert.equal(wake.status, 200);
  assert.deepEqual(wake.body, { ok: true, mode: 'now', eventOutcome: 'queued' });
  const again = await post(gw, '/hooks/wake', gw.hooksToken, { text, mode: 'now' });
  assert.ok(['queued', 'coalesced'].includes(again.body.eventOutcome), JSON.stringify(again.body)); // coalesced while still pending

  const noText = await post(gw, '/hooks/wake', gw.hooksToken, { mode: 'now' });
  assert.deepEqual([noText.status, noText.body], [400, { ok: false, error: 'text required' }]);

  const isolated = await post(gw, '/hooks/agent', gw.hooksToken, { message: 'isolated run', name: 'codex' });
  assert.equal(isolated.status, 200);
  assert.match(isolated.body.runId, UUID);

  const wrongToken = await post(gw, '/hooks/wake', gw.gatewayToken, { text: 'x' });
  assert.deepEqual([wrongToken.status, wrongToken.body], [401, 'Unauthorized']); // plain text, not JSON
}

async function hooksAllowedCases(gw: Target) {
  // 2a. allowRequestSessionKey + prefixes: persistent run in the given session, idempotent.
  const first = await post(gw, '/hooks/agent', gw.hooksToken, persistent('job j1 done'), { 'Idempotency-Key': 'k1' });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.body.ok, true);
  assert.match(first.body.runId, UUID);
  const replay = await post(gw, '/hooks/agent', gw.hooksToken, persistent('job j1 done'), { 'Idempotency-Key': 'k1' });
  assert.deepEqual(replay.body, { ok: true, runId: first.body.runId });
  const changed = await post(gw, '/hooks/agent', gw.hooksToken, persistent('job j1 done, edited'), { 'Idempotency-Key': 'k1' });
  assert.notEqual(changed.body.runId, first.body.runId); // same key, other body: a new run

  const badPrefix = await post(gw, '/hooks/agent', gw.hooksToken, persistent('x', 'other:1'));
  assert.deepEqual([badPrefix.status, badPrefix.body], [400, { ok: false, error: 'sessionKey must start with one of: agent:, hook:' }]);
}

/** Our ❓ chat message (dry run: no channel is configured) and the agent wake for one approval request, with its idempotency key. */
async function approvalCases(gw: Target) {
  const now = new Date().toISOString();
  const turn = newTurn(1, now, { timeoutSeconds: 600, heartbeatSeconds: 0, heartbeatStyle: 'new', maxTokens: null, notify: null }, null, { approvals: 'ask' });
  turn.status = 'running';
  const session = { id: 'mx5contr-0a1b2c3d', label: 'contract *approval*', cwd: '/srv/repo', sandbox: 'workspace-write', model: null, turns: [turn] } as unknown as Session;
  const request: ApprovalRecord = {
    requestId: '0a1b2c3d', engineId: '0', kind: 'command', command: 'git push origin main', cwd: '/srv/repo',
    reason: 'Mock: run `git push` outside the sandbox?', files: [], requestedAt: now, expiresAt: new Date(Date.now() + 900_000).toISOString(),
    decision: null, decidedBy: null, decidedAt: null, note: null, deliveredAt: null,
  };
  const question = approvalMessage(session, turn, request);
  assert.ok(question.startsWith('❓'));
  const message = await post(gw, '/tools/invoke', gw.gatewayToken, { tool: 'message', args: { ...messageArgs({ channel: 'telegram', target: '123' }, question), dryRun: true } });
  assert.equal(message.status, 200, JSON.stringify(message.body));
  assert.equal(message.body.ok, true);
  const key = `${session.id}:1:approval:${request.requestId}-${Date.now()}`;
  const body = agentWakeBody('agent:main:main', approvalWakeMessage(session, turn, request));
  const wake = await post(gw, '/hooks/agent', gw.hooksToken, body, { 'Idempotency-Key': key });
  assert.equal(wake.status, 200, JSON.stringify(wake.body));
  assert.match(wake.body.runId, UUID);
  const replay = await post(gw, '/hooks/agent', gw.hooksToken, body, { 'Idempotency-Key': key });
  assert.deepEqual(replay.body, { ok: true, runId: wake.body.runId }, 'a retried approval wake is the same run');
}

// --- the fake gateway ------------------------------------------------------------------

describe('fake gateway honours the contract', () => {
  let fake: FakeGateway;
  before(async () => { fake = await startFakeGateway(); });
  after(async () => { await fake?.close(); });
  test('/tools/invoke', () => toolsInvokeCases(fake));
  test('/hooks with the default config', () => hooksDefaultCases(fake));
  test('/hooks with allowRequestSessionKey', async () => {
    fake.allowRequestSessionKey = true;
    try { await hooksAllowedCases(fake); } finally { fake.allowRequestSessionKey = false; }
  });
  test('an approval request: the ❓ message and the wake', async () => {
    fake.allowRequestSessionKey = true;
    try { await approvalCases(fake); } finally { fake.allowRequestSessionKey = false; }
  });
});

// --- the real gateway ------------------------------------------------------------------

function realSuite(name: string, options: Parameters<typeof startRealOpenClaw>[0], cases: Record<string, (gw: Target) => Promise<void>>) {
  describe(name, () => {
    let gw: RealOpenClaw | { skipped: string } | undefined;
    before(async () => { gw = await startRealOpenClaw(options); }, { timeout: 180_000 });
    after(async () => { if (gw && !('skipped' in gw)) await gw.stop(); }, { timeout: 60_000 });
    const real = (t: TestContext): RealOpenClaw | undefined => {
      if (gw && 'skipped' in gw) { t.skip(`real OpenClaw not available: ${gw.skipped}`); return undefined; }
      return gw as RealOpenClaw;
    };
    test('gateway started', (t) => {
      const g = real(t);
      if (g) t.diagnostic(`openclaw ${g.version}: ready in ${g.readyMs} ms, RSS ${Math.round((g.rssKiB() ?? 0) / 1024)} MiB`);
    });
    for (const [caseName, run] of Object.entries(cases)) {
      test(caseName, { timeout: 120_000 }, async (t) => { const g = real(t); if (g) await run(g); });
    }
  });
}

realSuite('real OpenClaw, default hooks config', {}, {
  '/tools/invoke': toolsInvokeCases,
  '/hooks with the default config': hooksDefaultCases,
  // Documented, not faked: the fake pretends a channel is configured and answers 200.
  'a real send with no channel configured fails with 500': async (gw) => {
    const res = await post(gw, '/tools/invoke', gw.gatewayToken, send({ message: 'hi' }));
    assert.deepEqual([res.status, res.body], [500, { ok: false, error: { type: 'tool_error', message: 'tool execution failed' } }]);
  },
});

realSuite('real OpenClaw, hooks.allowRequestSessionKey', { hooks: { allowRequestSessionKey: true } }, {
  '/hooks with allowRequestSessionKey': hooksAllowedCases,
  'an approval request: the ❓ message and the wake': approvalCases,
});

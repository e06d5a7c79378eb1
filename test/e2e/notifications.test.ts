import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { startFakeGateway, type FakeGateway } from '../support/fake-gateway.ts';
import { gatewayEnv, createWorld, type World } from '../support/harness.ts';
import { isFinished, startClient, type TestClient } from '../support/mcp-client.ts';
import { waitUntil } from '../support/processes.ts';

const ROUTE = { channel: 'telegram', target: '-100123', threadId: '7' };

describe('OpenClaw notifications through a fake gateway', { concurrency: 1 }, () => {
  let gateway: FakeGateway;
  let world: World;
  let client: TestClient;

  before(async () => {
    gateway = await startFakeGateway();
    world = await createWorld({ ...gatewayEnv(gateway), CODEX_DELEGATE_HEARTBEAT_SECONDS: '1' });
    client = await startClient(world.env);
  });
  afterEach(() => {
    gateway.setMode('ok');
    gateway.allowRequestSessionKey = false;
  });
  after(async () => {
    await client?.close();
    await world?.close();
    await gateway?.close();
  });

  /** Waits until the final message and the wake of the session have been attempted. */
  async function settled(sessionId: string) {
    await waitUntil(async () => {
      const status = await client.ok('codex_status', { sessionId });
      // The final and the wake are separate outbox entries, possibly sent by different processes;
      // an attempt shows as it starts (outcome "sending"), so wait for one that ended.
      const attempted = (kind: string) => status.notifications.some((n: any) => n.kind === kind && n.outcome !== 'sending');
      return isFinished(status.status) && attempted('final') && attempted('wake');
    }, 30_000, 'the final and the wake to be attempted');
    return client.ok('codex_status', { sessionId });
  }

  test('🚀 → 📡 → ✅ → agent wake in the asking session, in order', async () => {
    gateway.allowRequestSessionKey = true;
    const launched = await client.ok('codex_launch', {
      prompt: 'slow job\n@run sleep 2.5\n@reply All done: 3 files tidied.',
      label: 'tidy',
      notify: { ...ROUTE, sessionKey: 'agent:main:telegram:group:-100123' },
    });
    const status = await settled(launched.sessionId);
    assert.equal(status.status, 'succeeded');
    const texts = gateway.messages(); // The first test: everything sent so far is this session's.
    const kinds = texts.map((t) => [...t][0]);
    assert.equal(kinds[0], '🚀');
    assert.ok(kinds.includes('📡'), `a heartbeat among ${kinds.join(' ')}`);
    assert.equal(kinds.at(-1), '✅');
    assert.equal(kinds.filter((k) => k === '✅').length, 1);
    const heartbeat = texts.find((t) => t.startsWith('📡'))!;
    assert.match(heartbeat, /^📡 [🟢🟡🔴] Codex · tidy · \d+s · \d+ cmds · \S+ tok · /u);
    const final = texts.at(-1)!;
    assert.match(final, /All done: 3 files tidied\./);
    assert.match(final, new RegExp(`codex_result ${launched.sessionId}`));
    const send = gateway.calls.find((c) => c.path === '/tools/invoke' && c.body.args.message === final)!;
    assert.deepEqual({ ...send.body.args, message: undefined }, { action: 'send', channel: 'telegram', target: '-100123', threadId: '7', message: undefined });
    assert.equal(send.headers.authorization, `Bearer ${gateway.gatewayToken}`);

    const wake = gateway.calls.find((c) => c.path === '/hooks/agent')!;
    assert.equal(wake.status, 200);
    assert.equal(wake.headers['idempotency-key'], `${launched.sessionId}:1`);
    assert.equal(wake.headers.authorization, `Bearer ${gateway.hooksToken}`);
    assert.equal(wake.body.sessionKey, 'agent:main:telegram:group:-100123');
    assert.equal(wake.body.sessionMode, 'persistent');
    assert.equal(wake.body.wakeMode, 'now');
    assert.match(wake.body.message, /codex_result/);
    assert.ok(wake.at >= send.at, 'the wake follows the chat message');
    assert.equal(status.notifyWarning, null);
  });

  test('heartbeatStyle "edit": one status message, edited in place', async () => {
    const before = gateway.calls.length;
    const launched = await client.ok('codex_launch', { prompt: '@run sleep 3.5\n@reply edited along', notify: ROUTE, heartbeatStyle: 'edit' });
    await settled(launched.sessionId);
    const beats = gateway.calls.slice(before).filter((c) => c.path === '/tools/invoke' && String(c.body.args.message).startsWith('📡'));
    assert.ok(beats.length >= 2, `${beats.length} heartbeats`);
    assert.equal(beats[0]!.body.args.action, 'send');
    for (const beat of beats.slice(1)) {
      assert.equal(beat.body.args.action, 'edit');
      assert.match(String(beat.body.args.messageId), /^m\d+$/);
      assert.equal(beat.body.args.target, ROUTE.target);
    }
    assert.equal(new Set(beats.slice(1).map((b) => b.body.args.messageId)).size, 1, 'always the same message');
  });

  test('❌ failed carries the error; without a sessionKey the plain wake is used', async () => {
    const launched = await client.ok('codex_launch', { prompt: '@fail the model is unhappy', notify: ROUTE, heartbeatSeconds: 0 });
    await settled(launched.sessionId);
    const final = gateway.messages().at(-1)!;
    assert.match(final, /^❌ Codex failed/);
    assert.match(final, /the model is unhappy/);
    const wake = gateway.calls.filter((c) => c.path === '/hooks/wake').at(-1)!;
    assert.equal(wake.status, 200);
    assert.equal(wake.body.mode, 'now');
    assert.match(wake.body.text, new RegExp(launched.sessionId));
  });

  test('🛑 cancelled carries the reason', async () => {
    const launched = await client.ok('codex_launch', { prompt: '@run sleep 60', notify: ROUTE, heartbeatSeconds: 0 });
    await gateway.waitFor((c) => String(c.body?.args?.message ?? '').includes(launched.sessionId));
    await client.ok('codex_cancel', { sessionId: launched.sessionId, reason: 'not needed any more' });
    await settled(launched.sessionId);
    assert.match(gateway.messages().at(-1)!, /^🛑 Codex cancelled[\s\S]*not needed any more/);
  });

  test('🛑 for a turn cancelled while still queued', async () => {
    const writer = await client.ok('codex_launch', { prompt: '@sleep 2000\n@reply first', notify: false });
    const queued = await client.ok('codex_launch', { prompt: '@reply never runs', label: 'waiting writer', notify: ROUTE, heartbeatSeconds: 0 });
    assert.equal(queued.status, 'queued');
    await client.ok('codex_cancel', { sessionId: queued.sessionId, reason: 'no longer needed' });
    await waitUntil(() => gateway.messages().some((m) => m.startsWith('🛑') && m.includes('waiting writer')), 10_000, 'the 🛑');
    assert.match(gateway.messages().find((m) => m.includes('waiting writer'))!, /no longer needed/);
    await client.waitFor(writer.sessionId, isFinished);
  });

  test('⏰ timed out', async () => {
    const launched = await client.ok('codex_launch', { prompt: '@sleep 60000', notify: ROUTE, heartbeatSeconds: 0, timeoutSeconds: 10 });
    await client.waitFor(launched.sessionId, isFinished, 30_000);
    await settled(launched.sessionId);
    assert.match(gateway.messages().at(-1)!, /^⏰ Codex timed out[\s\S]*Timed out after 10 s/);
  });

  test('CODEX_DELEGATE_WAKE=sessions_send wakes through /tools/invoke and checks the body', async () => {
    gateway.allowSessionsSend = true;
    const other = await startClient({ ...world.env, CODEX_DELEGATE_WAKE: 'sessions_send' });
    try {
      const good = await other.ok('codex_launch', { prompt: '@reply ok', notify: { ...ROUTE, sessionKey: 'agent:main:main' }, heartbeatSeconds: 0 });
      const bad = await other.ok('codex_launch', { prompt: '@reply ok', notify: { ...ROUTE, sessionKey: 'nope' }, heartbeatSeconds: 0, sandbox: 'read-only' });
      const [okStatus, badStatus] = [await settled(good.sessionId), await settled(bad.sessionId)];
      const wake = (s: any) => s.notifications.find((n: any) => n.kind === 'wake');
      assert.equal(wake(okStatus).ok, true);
      const sent = gateway.calls.find((c) => c.body?.tool === 'sessions_send' && c.body.args.sessionKey === 'agent:main:main')!;
      assert.equal(sent.body.args.timeoutSeconds, 0);
      // An unknown session answers HTTP 200 with status "error": still a failure.
      assert.equal(wake(badStatus).ok, false);
      assert.equal(wake(badStatus).httpStatus, 200);
    } finally {
      gateway.allowSessionsSend = false;
      await other.close();
    }
  });

  test('a refused sessionKey (OpenClaw default config) falls back to the plain wake and says how to fix it', async () => {
    const launched = await client.ok('codex_launch', { prompt: '@reply ok', notify: { ...ROUTE, sessionKey: 'agent:main:main' }, heartbeatSeconds: 0 });
    const status = await settled(launched.sessionId);
    const refused = gateway.calls.filter((c) => c.path === '/hooks/agent').at(-1)!;
    assert.equal(refused.status, 400);
    const wake = gateway.calls.filter((c) => c.path === '/hooks/wake').at(-1)!;
    assert.equal(wake.status, 200);
    assert.ok(wake.at >= refused.at);
    assert.match(status.notifyWarning, /hooks\.allowRequestSessionKey/);
    assert.equal(status.notifications.at(-1).ok, true);
  });

  test('gateway down at completion, then back: the final is delivered exactly once', async () => {
    const launched = await client.ok('codex_launch', { prompt: '@sleep 1500\n@reply survived the outage', notify: ROUTE, heartbeatSeconds: 0 });
    await gateway.waitFor((c) => String(c.body?.args?.message ?? '').startsWith('🚀') && String(c.body.args.message).includes(launched.sessionId));
    gateway.setMode('down');
    await client.waitFor(launched.sessionId, isFinished);
    const failedFinals = async () => (await client.ok('codex_status', { sessionId: launched.sessionId })).notifications.filter((n: any) => n.kind === 'final' && n.outcome === 'failed').length;
    await waitUntil(async () => (await failedFinals()) >= 2, 20_000, 'two failed attempts');
    gateway.setMode('ok');
    const delivered = () => gateway.messages().filter((m) => m.includes('survived the outage'));
    await waitUntil(() => delivered().length > 0, 30_000, 'the final after the outage');
    await settled(launched.sessionId);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const finals = delivered();
    assert.equal(finals.length, 1);
    const status = await client.ok('codex_status', { sessionId: launched.sessionId });
    const finalAttempts = status.notifications.filter((n: any) => n.kind === 'final');
    assert.ok(finalAttempts.length >= 2, 'failed attempts are recorded');
    assert.equal(finalAttempts.at(-1).ok, true);
  });

  test('no token in the registry, logs, event files or Codex\'s environment', async () => {
    const launched = await client.ok('codex_launch', { prompt: '@run env\n@reply printed the environment', notify: ROUTE, heartbeatSeconds: 0 });
    await settled(launched.sessionId);
    const output = await readFile(path.join(world.stateDir, 'sessions', launched.sessionId, 'turn-1.events.jsonl'), 'utf8');
    assert.match(output, /CODEX_HOME=/, 'the env command ran');
    for (const file of await filesUnder(world.stateDir)) {
      const text = await readFile(file, 'utf8');
      for (const secret of [gateway.gatewayToken, gateway.hooksToken]) assert.ok(!text.includes(secret), `${file} holds a token`);
    }
  });
});

describe('a wrong gateway token', () => {
  test('is recorded once per message, with no retry storm', async () => {
    const gateway = await startFakeGateway();
    const world = await createWorld({
      OPENCLAW_GATEWAY_URL: gateway.url,
      OPENCLAW_GATEWAY_TOKEN: 'wrong-token',
      OPENCLAW_CONFIG_PATH: '/nonexistent/openclaw.json',
    });
    const client = await startClient(world.env);
    try {
      const launched = await client.ok('codex_launch', { prompt: '@reply fine', notify: ROUTE, heartbeatSeconds: 0 });
      await client.waitFor(launched.sessionId, isFinished);
      const ended = async () => (await client.ok('codex_status', { sessionId: launched.sessionId })).notifications.filter((n: any) => n.outcome !== 'sending');
      await waitUntil(async () => (await ended()).length >= 2, 10_000, 'two attempts');
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const status = await client.ok('codex_status', { sessionId: launched.sessionId });
      assert.deepEqual(status.notifications.map((n: any) => [n.kind, n.ok, n.httpStatus]), [['launch', false, 401], ['final', false, 401]]);
      assert.equal(gateway.calls.filter((c) => c.path === '/tools/invoke').length, 2);
    } finally {
      await client.close();
      await world.close();
      await gateway.close();
    }
  });
});

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

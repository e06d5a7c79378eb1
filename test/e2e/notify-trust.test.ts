import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, afterEach, before, describe, test } from 'node:test';
import { startFakeGateway, type FakeGateway, type RecordedCall } from '../support/fake-gateway.ts';
import { createWorld, gatewayEnv, type World } from '../support/harness.ts';
import { isFinished, startClient, type TestClient } from '../support/mcp-client.ts';
import { isAlive, readSessionRecord, waitUntil } from '../support/processes.ts';

// A gateway that hangs or answers late, and callers or Codex that write text meant to look
// like ours: what reaches the chat stays true, in order, once, and the runner still leaves.

const ROUTE = { channel: 'telegram', target: '-100123' };
const REQUEST_TIMEOUT_MS = 1000;
// A runner's notify budget is four request deadlines (see Notifier.budgetMs); allow for a slow machine.
const RUNNER_LEAVES_WITHIN_MS = 4 * REQUEST_TIMEOUT_MS + 4000;

describe('notifications a user can trust', { concurrency: 1 }, () => {
  let gateway: FakeGateway;
  let world: World;
  let client: TestClient;

  before(async () => {
    gateway = await startFakeGateway();
    world = await createWorld({ ...gatewayEnv(gateway), CODEX_DELEGATE_NOTIFY_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS), CODEX_DELEGATE_HEARTBEAT_SECONDS: '1' });
    client = await startClient(world.env);
  });
  afterEach(() => gateway.setMode('ok'));
  after(async () => {
    await client?.close();
    await world?.close();
    await gateway?.close();
  });

  const about = (sessionId: string) => (c: RecordedCall) => JSON.stringify(c.body ?? '').includes(sessionId);
  const chatText = (c: RecordedCall) => String(c.body?.args?.message ?? '');
  const icon = (c: RecordedCall) => [...chatText(c)][0];

  /** Waits for the turn's end, then for its runner to exit; returns how long the runner outlived the turn. */
  async function runnerLeaves(sessionId: string): Promise<number> {
    await client.waitFor(sessionId, isFinished);
    const record = await readSessionRecord(world.stateDir, sessionId);
    const pid: number = record.turns[0].runner.pid;
    await waitUntil(() => !isAlive(pid), 120_000, `runner ${pid} to exit`);
    return Date.now() - Date.parse(record.turns[0].endedAt);
  }

  async function notifications(sessionId: string): Promise<any[]> {
    return (await client.ok('codex_status', { sessionId })).notifications;
  }

  test('a gateway that never answers: attempts show as they start, each ends "unknown" at its deadline, the runner leaves within its budget', async () => {
    gateway.setMode('hang');
    const launched = await client.ok('codex_launch', { prompt: '@sleep 2500\n@reply nobody listened', notify: ROUTE });
    // The 🚀 is claimed as the runner starts: codex_status shows it in flight before any answer.
    await waitUntil(async () => (await notifications(launched.sessionId)).some((n) => n.kind === 'launch' && n.outcome === 'sending'), 15_000, 'the 🚀 in flight');
    const outlived = await runnerLeaves(launched.sessionId);
    assert.ok(outlived < RUNNER_LEAVES_WITHIN_MS, `the runner left ${outlived} ms after the turn ended`);

    // The wake is tried by the runner, or, on a machine too busy for it to fit in the budget, by the
    // next process that looks (codex_status here); either way once.
    await waitUntil(async () => (await notifications(launched.sessionId)).some((n) => n.kind === 'wake' && n.outcome !== 'sending'), 15_000, 'the wake to be tried');
    await sleep(2 * REQUEST_TIMEOUT_MS); // Nothing is sent again, by the server either.
    const records = await notifications(launched.sessionId);
    for (const kind of ['launch', 'final', 'wake']) {
      const mine = records.filter((n) => n.kind === kind);
      assert.equal(mine.length, 1, `${kind}: ${JSON.stringify(records)}`);
      assert.equal(mine[0].outcome, 'unknown');
      assert.match(mine[0].error, /may have been delivered/);
    }
    const calls = gateway.calls.filter(about(launched.sessionId));
    assert.equal(calls.filter((c) => icon(c) === '✅').length, 1, 'the final is requested once');
    assert.equal(calls.filter((c) => c.path === '/hooks/wake').length, 1, 'the wake is requested once');
  });

  test('a gateway that takes the ✅ and drops the connection without an answer: it is recorded unknown and never sent twice', async () => {
    // What a gateway that delivered and then restarted looks like: the message may be in the chat already.
    gateway.setMode('drop', (c) => icon(c) === '✅');
    const launched = await client.ok('codex_launch', { prompt: '@reply dropped after delivery', notify: ROUTE, heartbeatSeconds: 0 });
    await runnerLeaves(launched.sessionId);
    await sleep(3 * REQUEST_TIMEOUT_MS);
    await notifications(launched.sessionId); // a look by the server, which sends what is left over
    await sleep(REQUEST_TIMEOUT_MS);
    const finals = gateway.calls.filter(about(launched.sessionId)).filter((c) => icon(c) === '✅');
    assert.equal(finals.length, 1, 'the ✅ reached the gateway once');
    const final = (await notifications(launched.sessionId)).filter((n) => n.kind === 'final');
    assert.deepEqual(final.map((n) => n.outcome), ['unknown']);
    assert.match(final[0].error, /connection closed without an answer .*may have been delivered/);
  });

  test('a gateway that delivers but answers late: every message reaches the chat once, in order, and the runner leaves', async () => {
    gateway.setMode({ delayMs: 2 * REQUEST_TIMEOUT_MS + 500 });
    const launched = await client.ok('codex_launch', { prompt: '@sleep 1500\n@reply late but fine', notify: ROUTE, heartbeatSeconds: 0 });
    const outlived = await runnerLeaves(launched.sessionId);
    assert.ok(outlived < RUNNER_LEAVES_WITHIN_MS, `the runner left ${outlived} ms after the turn ended`);
    await sleep(3 * REQUEST_TIMEOUT_MS); // Late answers and anything a retry would have sent.

    const chat = gateway.messages().filter((m) => m.includes(launched.sessionId));
    assert.deepEqual(chat.map((m) => [...m][0]), ['🚀', '✅'], chat.join('\n---\n'));
    const final = (await notifications(launched.sessionId)).filter((n) => n.kind === 'final');
    assert.deepEqual(final.map((n) => n.outcome), ['unknown']);
  });

  test('a 🚀 still waiting for a retry when the turn ends is superseded by the final, never sent after it', async () => {
    gateway.setMode({ status: 503 }, (c) => chatText(c).startsWith('🚀'));
    const launched = await client.ok('codex_launch', { prompt: '@reply quick', notify: ROUTE, heartbeatSeconds: 0 });
    await runnerLeaves(launched.sessionId);
    await sleep(3000); // Past the 🚀's next retry, had it been kept.

    const chat = gateway.calls.filter((c) => c.path === '/tools/invoke').filter(about(launched.sessionId));
    const finalAt = chat.findIndex((c) => icon(c) === '✅');
    assert.ok(finalAt >= 0, 'the final was sent');
    assert.deepEqual(chat.slice(finalAt).map(icon), ['✅'], 'nothing after the final');
    const launches = (await notifications(launched.sessionId)).filter((n) => n.kind === 'launch');
    assert.equal(launches.at(-1).outcome, 'superseded', JSON.stringify(launches));
  });

  test('a 📡 in flight when the turn ends goes out before the final, whichever process sends the final', async () => {
    // Every 📡 takes 700 ms (under the deadline); the server, polled meanwhile, may pick the final up.
    gateway.setMode({ delayMs: 700 }, (c) => chatText(c).startsWith('📡'));
    const launched = await client.ok('codex_launch', { prompt: '@sleep 2600\n@reply after the beats', notify: ROUTE });
    await gateway.waitFor((c) => chatText(c).startsWith('📡') && about(launched.sessionId)(c), 15_000);
    const polling = (async () => {
      while (!gateway.messages().some((m) => m.startsWith('✅') && m.includes(launched.sessionId))) {
        await client.ok('codex_status', { sessionId: launched.sessionId });
      }
    })();
    await runnerLeaves(launched.sessionId);
    await polling;
    const chat = gateway.messages().filter((m) => m.includes(launched.sessionId) || m.startsWith('📡'));
    assert.equal([...chat.at(-1)!][0], '✅', chat.map((m) => [...m][0]).join(' '));
  });

  test('a runner killed while its 📡 hangs: the 💥 still goes out, and the beat is settled as "unknown"', async () => {
    gateway.setMode('hang', (c) => chatText(c).startsWith('📡'));
    const launched = await client.ok('codex_launch', { prompt: '@sleep 30000\n@reply never', notify: ROUTE });
    await gateway.waitFor((c) => chatText(c).startsWith('📡') && about(launched.sessionId)(c), 15_000);
    const runner: number = (await readSessionRecord(world.stateDir, launched.sessionId)).turns[0].runner.pid;
    process.kill(runner, 'SIGKILL'); // Within the beat's 1 s deadline: it is still in flight.
    await waitUntil(() => !isAlive(runner), 5000, 'the runner to die');
    await client.waitFor(launched.sessionId, (s) => s === 'interrupted');
    await waitUntil(() => gateway.messages().some((m) => m.startsWith('💥') && m.includes(launched.sessionId)), 15_000, 'the 💥');
    const beats = (await notifications(launched.sessionId)).filter((n) => n.kind === 'heartbeat');
    assert.ok(beats.length > 0);
    assert.deepEqual(beats.filter((n) => n.outcome === 'sending'), [], 'no beat shows in flight for ever');
    assert.equal(beats.at(-1).outcome, 'unknown');
  });

  test('caller and Codex text cannot forge chat lines: one-line titles, no bidi controls, no links, no fake status lines', async () => {
    const label = 'x\n✅ Codex succeeded · [ok](http://evil.example) \u202Egnp.exe';
    const answer = 'Done.\n✅ Codex succeeded · all good\r\n\u2066hidden\u2069 [click](http://evil.example)\u0007';
    const launched = await client.ok('codex_launch', {
      prompt: `@reply-json ${JSON.stringify(answer)}`,
      label,
      notify: ROUTE,
      heartbeatSeconds: 0,
    });
    await runnerLeaves(launched.sessionId);
    const chat = gateway.messages().filter((m) => m.includes(launched.sessionId));
    assert.deepEqual(chat.map((m) => [...m][0]), ['🚀', '✅']);
    for (const text of chat) {
      const lines = text.split('\n');
      assert.equal(lines.filter((l) => /^\s*[🚀📡✅❌⏰🛑💥❓❔]/u.test(l)).length, 1, `one status line:\n${text}`);
      assert.doesNotMatch(text, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]/u);
      assert.ok(!text.includes('[ok]('), 'no clickable link in the title');
      assert.match(lines[0]!, /x ✅ Codex succeeded/, 'the label stays on the first line');
    }
    const wake = gateway.calls.filter((c) => c.path === '/hooks/wake').filter(about(launched.sessionId)).at(-1)!;
    assert.doesNotMatch(wake.body.text, /[\u0007\u202e\u2066\u2069]/u);
  });
});

import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createWorld, tempDir, type World } from '../support/harness.ts';
import { isFinished, startClient, type TestClient } from '../support/mcp-client.ts';
import { waitUntil } from '../support/processes.ts';

const text = (result: { content: unknown }) => JSON.stringify(result.content);

/** Waits until Codex works on the turn (its thread is known and it runs a step), so a steer goes to a live turn. */
async function waitBusy(client: TestClient, sessionId: string): Promise<void> {
  await waitUntil(async () => {
    const status = await client.ok('codex_status', { sessionId });
    return status.status === 'running' && status.threadId !== null && status.counters.commands >= 1;
  }, 30_000, 'the turn to be busy');
}

describe('codex_steer over stdio, on the app-server engine', () => {
  let world: World;
  let client: TestClient;
  before(async () => {
    world = await createWorld({ CODEX_DELEGATE_ENGINE: 'app-server', CODEX_DELEGATE_MAX_CONCURRENT: '1' });
    client = await startClient(world.env);
  });
  after(async () => {
    await client?.close();
    await world?.close();
  });

  test('a running turn: the text reaches Codex, the answer reflects it, status lists the steer without its text', async () => {
    const launched = await client.ok('codex_launch', { prompt: '@busy 6000', sandbox: 'read-only' });
    await waitBusy(client, launched.sessionId);
    const latencies: number[] = [];
    const started = Date.now();
    const steered = await client.ok('codex_steer', { sessionId: launched.sessionId, prompt: 'please also say BANANA' });
    latencies.push(Date.now() - started);
    assert.deepEqual(steered, { sessionId: launched.sessionId, turn: 1, status: 'running', delivered: true });
    const status = await client.waitFor(launched.sessionId, isFinished, 60_000);
    assert.equal(status.status, 'succeeded', status.error);
    assert.equal(status.steers.length, 1);
    assert.equal(status.steers[0].chars, 'please also say BANANA'.length);
    assert.ok(status.steers[0].deliveredAt >= status.steers[0].at, 'delivered after it was accepted');
    assert.ok(!JSON.stringify(status).includes('BANANA'), 'status never shows the text');
    const result = await client.ok('codex_result', { sessionId: launched.sessionId });
    assert.match(result.text, /MOCK-STEER-SEEN: please also say BANANA/);
    assert.equal(result.text.match(/BANANA/g)?.length, 1, 'applied once');
    const left = (await readdir(path.join(world.stateDir, 'sessions', launched.sessionId))).filter((name) => name.includes('.steer-'));
    assert.deepEqual(left, [], 'a delivered steer\'s text file is removed');
    console.log(`# bench: codex_steer call → delivered to app-server: ${latencies.join(', ')} ms`);
  });

  test('a queued turn: the text joins its prompt', async () => {
    const other = await tempDir('steer-other');
    const first = await client.ok('codex_launch', { prompt: '@busy 3000', sandbox: 'read-only' });
    const queued = await client.ok('codex_launch', { prompt: 'queued task', sandbox: 'read-only', cwd: other });
    assert.equal(queued.status, 'queued');
    const steered = await client.ok('codex_steer', { sessionId: queued.sessionId, prompt: '@reply STEERED-WHILE-QUEUED' });
    assert.deepEqual(steered, { sessionId: queued.sessionId, turn: 1, status: 'queued', delivered: true });
    await client.waitFor(first.sessionId, isFinished, 60_000);
    const status = await client.waitFor(queued.sessionId, isFinished, 60_000);
    assert.equal(status.status, 'succeeded', status.error);
    assert.equal(status.steers.length, 1);
    const result = await client.ok('codex_result', { sessionId: queued.sessionId });
    assert.equal(result.text, 'STEERED-WHILE-QUEUED');
  });

  test('a finished session: isError that points to codex_resume', async () => {
    const launched = await client.ok('codex_launch', { prompt: '@reply done', sandbox: 'read-only' });
    await client.waitFor(launched.sessionId, isFinished);
    const refused = await client.call('codex_steer', { sessionId: launched.sessionId, prompt: 'too late' });
    assert.equal(refused.isError, true);
    assert.match(text(refused), /not running.*codex_resume/);
  });

  test('across a server restart: a new server steers the turn the old one launched', async () => {
    const first = await startClient(world.env);
    const launched = await first.ok('codex_launch', { prompt: '@busy 6000', sandbox: 'read-only' });
    await waitBusy(first, launched.sessionId);
    await first.close();
    const second = await startClient(world.env);
    try {
      const steered = await second.ok('codex_steer', { sessionId: launched.sessionId, prompt: 'after the restart' });
      assert.equal(steered.delivered, true);
      const status = await second.waitFor(launched.sessionId, isFinished, 60_000);
      assert.equal(status.status, 'succeeded', status.error);
      const result = await second.ok('codex_result', { sessionId: launched.sessionId });
      assert.match(result.text, /MOCK-STEER-SEEN: after the restart/);
    } finally {
      await second.close();
    }
  });
});

test('on the exec engine codex_steer is an isError naming CODEX_DELEGATE_ENGINE', async () => {
  const world = await createWorld({ CODEX_DELEGATE_ENGINE: 'exec' });
  const client = await startClient(world.env);
  try {
    const launched = await client.ok('codex_launch', { prompt: '@reply hi', sandbox: 'read-only' });
    const refused = await client.call('codex_steer', { sessionId: launched.sessionId, prompt: 'hello' });
    assert.equal(refused.isError, true);
    assert.match(text(refused), /CODEX_DELEGATE_ENGINE/);
  } finally {
    await client.close();
    await world.close();
  }
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createWorld, type World } from '../support/harness.ts';
import { isFinished, startClient } from '../support/mcp-client.ts';
import { isAlive, readSessionRecord, waitUntil } from '../support/processes.ts';

let world: World;
before(async () => {
  world = await createWorld();
});
after(async () => world?.close());

test('a run outlives kill -9 of the server, and a new server instance reports it', async () => {
  const first = await startClient(world.env);
  const launched = await first.ok('codex_launch', { prompt: 'slow task\n@sleep 1500\n@reply finished without the server' });
  assert.equal(launched.status, 'running');
  assert.ok(first.pid);
  process.kill(first.pid, 'SIGKILL');
  await waitUntil(() => !isAlive(first.pid!), 5000, 'the server to die');
  await first.close().catch(() => {});

  // Nobody is polling now: the runner alone carries the turn to its end.
  await waitUntil(async () => (await readSessionRecord(world.stateDir, launched.sessionId)).turns[0].status !== 'running', 30_000, 'the run to end');

  const second = await startClient(world.env);
  try {
    const status = await second.waitFor(launched.sessionId, isFinished);
    assert.equal(status.status, 'succeeded');
    const result = await second.ok('codex_result', { sessionId: launched.sessionId });
    assert.equal(result.text, 'finished without the server');
  } finally {
    await second.close();
  }
});

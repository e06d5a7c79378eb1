import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { isFinished, sharedWorldClient } from '../support/mcp-client.ts';
import { waitUntil } from '../support/processes.ts';

describe('for agents without push: long-poll and resources', { concurrency: 1 }, () => {
  const shared = sharedWorldClient();

  test('waitSeconds answers as soon as the session finishes, with progress notifications on the way', async () => {
    const launched = await shared.client.ok('codex_launch', { prompt: '@sleep 6000\n@reply waited for it' });
    const progress: string[] = [];
    const started = Date.now();
    const result = await shared.client.client.callTool(
      { name: 'codex_status', arguments: { sessionId: launched.sessionId, waitSeconds: 40 } },
      undefined,
      { onprogress: (p) => void progress.push(String(p.message)), timeout: 60_000 },
    );
    const elapsed = Date.now() - started;
    const status = result.structuredContent as any;
    assert.equal(status.status, 'succeeded');
    assert.ok(elapsed < 15_000, `answered after ${elapsed} ms, soon after the end`);
    assert.ok(progress.length >= 1, 'at least one progress notification');
    assert.match(progress[0]!, new RegExp(launched.sessionId));
  });

  test('waitSeconds returns when the time is up, and stops at once when the client cancels', async () => {
    const launched = await shared.client.ok('codex_launch', { prompt: '@sleep 30000' });
    let started = Date.now();
    const timedOut = await shared.client.ok('codex_status', { sessionId: launched.sessionId, waitSeconds: 1 });
    assert.equal(timedOut.status, 'running');
    assert.ok(Date.now() - started >= 950 && Date.now() - started < 5000);
    const controller = new AbortController();
    started = Date.now();
    const call = shared.client.client.callTool({ name: 'codex_status', arguments: { sessionId: launched.sessionId, waitSeconds: 50 } }, undefined, { signal: controller.signal });
    setTimeout(() => controller.abort(), 300);
    await assert.rejects(call);
    // The server stopped waiting: a new call is answered at once.
    const quick = Date.now();
    await shared.client.ok('codex_status', { sessionId: launched.sessionId });
    assert.ok(Date.now() - quick < 2000);
    await shared.client.ok('codex_cancel', { sessionId: launched.sessionId });
  });

  const readText = async (uri: string) => {
    const content = (await shared.client.client.readResource({ uri })).contents[0]!;
    return 'text' in content ? content.text : '';
  };

  test('sessions are resources: status JSON, result text, recent events, with completion', async () => {
    const launched = await shared.client.ok('codex_launch', { prompt: '@reply resource answer', label: 'res' });
    await shared.client.waitFor(launched.sessionId, isFinished);
    const uri = `codex://sessions/${launched.sessionId}`;
    const { resources } = await shared.client.client.listResources();
    assert.ok(resources.some((r) => r.uri === uri && r.name === 'res'));
    const status = JSON.parse(await readText(uri));
    assert.equal(status.status, 'succeeded');
    assert.equal(await readText(`${uri}/result`), 'resource answer');
    const events = (await readText(`${uri}/events`)).split('\n');
    // exec's typed events, or app-server's JSON-RPC messages (the default engine).
    const kinds = events.map((line) => JSON.parse(line)).map((e) => e.type ?? e.method);
    if (process.env.CODEX_DELEGATE_ENGINE === 'exec') assert.equal(kinds[0], 'thread.started');
    else assert.ok(kinds.includes('thread/started'), kinds.join(' '));
    assert.ok(['turn.completed', 'turn/completed'].includes(kinds.at(-1)!), `the turn's end is the latest event: ${kinds.join(' ')}`);
    const completion = await shared.client.client.complete({
      ref: { type: 'ref/resource', uri: 'codex://sessions/{sessionId}' },
      argument: { name: 'sessionId', value: launched.sessionId.slice(0, 4) },
    });
    assert.ok(completion.completion.values.includes(launched.sessionId));
    await assert.rejects(shared.client.client.readResource({ uri: 'codex://sessions/..%2F..%2Fetc' }));
  });

  test('subscribers hear when a session changes state', async () => {
    const launched = await shared.client.ok('codex_launch', { prompt: '@sleep 1000\n@reply done' });
    const updates: string[] = [];
    shared.client.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params.uri));
    const uri = `codex://sessions/${launched.sessionId}`;
    await shared.client.client.subscribeResource({ uri });
    await waitUntil(() => updates.includes(uri), 15_000, 'a resources/updated notification');
    await shared.client.client.unsubscribeResource({ uri });
    assert.equal((await shared.client.ok('codex_status', { sessionId: launched.sessionId })).status, 'succeeded');
  });
});

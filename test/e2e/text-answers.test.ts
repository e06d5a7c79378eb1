import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startFakeGateway, type FakeGateway } from '../support/fake-gateway.ts';
import { createWorld, gatewayEnv, type World } from '../support/harness.ts';
import { isFinished, startClient, type TestClient } from '../support/mcp-client.ts';
import { waitUntil } from '../support/processes.ts';

/**
 * Many clients show a model or a person only the text half of a tool answer.
 * What SKILL.md tells an agent to check (files changed, failing exit codes,
 * notification trouble) must be in that text, said plainly.
 */

const textOf = (result: CallToolResult) => result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

describe('the text half of an answer says what the structured half says', { concurrency: 1 }, () => {
  let gateway: FakeGateway;
  let world: World;
  let client: TestClient;
  const text = async (tool: string, args: Record<string, unknown>) => {
    const result = await client.call(tool, args);
    assert.notEqual(result.isError, true, textOf(result));
    return textOf(result);
  };

  before(async () => {
    gateway = await startFakeGateway();
    // A wrong chat token: every chat message fails with 401 (and is not retried).
    world = await createWorld({ ...gatewayEnv(gateway), OPENCLAW_GATEWAY_TOKEN: 'wrong-token' });
    client = await startClient(world.env);
  });
  after(async () => {
    await client?.close();
    await world?.close();
    await gateway?.close();
  });

  test('files changed and a failing command are in the text of codex_result and codex_status', async () => {
    const launched = await client.ok('codex_launch', { prompt: '@run echo fine\n@run exit 3\n@patch made.txt hello', model: 'gpt-5.5', notify: false });
    const status = await client.waitFor(launched.sessionId, isFinished);
    assert.equal(status.status, 'succeeded', status.error);
    const result = await text('codex_result', { sessionId: launched.sessionId });
    const statusText = await text('codex_status', { sessionId: launched.sessionId });
    for (const answer of [result, statusText]) {
      assert.match(answer, /Files changed \(1\): \S*made\.txt/);
      assert.match(answer, /Failed commands \(1( of 2)?\): `[^`]*exit 3[^`]*` exited with 3/);
    }
    assert.match(statusText, /Answer: \d+ characters; read it with codex_result\./);
  });

  test('a command count of one is "1 cmd"; warnings of a successful turn are not presented as errors', async () => {
    const launched = await client.ok('codex_launch', { prompt: '@run echo one', notify: false });
    const status = await client.waitFor(launched.sessionId, isFinished);
    assert.equal(status.status, 'succeeded');
    const statusText = await text('codex_status', { sessionId: launched.sessionId });
    assert.match(statusText, / · 1 cmd · /);
    if (process.env.CODEX_DELEGATE_ENGINE === 'exec') {
      // exec reports the mock model's missing metadata as an error item; app-server as a warning, which is no error at all.
      assert.ok(status.counters.errors >= 1, 'the mock model always draws a metadata warning from Codex');
      assert.match(statusText, /Codex warnings: \d+ \(the turn succeeded/);
    }
    assert.doesNotMatch(statusText, /\berrors?\b(?! counts)/i);
    assert.match(await text('codex_status', {}), new RegExp(`${launched.sessionId} succeeded · \\S+ · 1 cmd · `));
    assert.match(await text('codex_result', { sessionId: launched.sessionId }), /Commands: 1, none failed\./);
  });

  test('failed notifications and notifyWarning are in the text of codex_status', async () => {
    const launched = await client.ok('codex_launch', {
      prompt: '@reply fine',
      sandbox: 'read-only',
      notify: { channel: 'telegram', target: '1', sessionKey: 'agent:main:telegram:1' },
      heartbeatSeconds: 0,
    });
    await client.waitFor(launched.sessionId, isFinished);
    await waitUntil(async () => {
      const status = await client.ok('codex_status', { sessionId: launched.sessionId });
      return status.notifyWarning !== null && status.notifications.some((n: any) => n.kind === 'final');
    }, 20_000, 'the final attempt and the wake warning');
    const statusText = await text('codex_status', { sessionId: launched.sessionId });
    assert.match(statusText, /⚠ .*allowRequestSessionKey/);
    assert.match(statusText, /⚠ The launch notification of turn 1 failed \(HTTP 401/);
    assert.match(statusText, /⚠ The final notification of turn 1 failed \(HTTP 401/);
  });

  test('while running without a message: "no message yet", not an empty "latest message so far:"', async () => {
    const launched = await client.ok('codex_launch', { prompt: 'think long\n@sleep 30000', sandbox: 'read-only', notify: false });
    try {
      const result = await text('codex_result', { sessionId: launched.sessionId });
      assert.match(result, /^Turn 1 still (running|queued); no message yet\.$/);
    } finally {
      await client.ok('codex_cancel', { sessionId: launched.sessionId });
    }
  });

  test('progress notifications measure the task (elapsed seconds, activity), not the wait, and start at once', async () => {
    const launched = await client.ok('codex_launch', { prompt: '@sleep 9000\n@reply done', sandbox: 'read-only', notify: false });
    await client.waitFor(launched.sessionId, (s) => s === 'running');
    await sleep(3000);
    const progress: { at: number; progress: number; total?: number; message?: string }[] = [];
    const called = Date.now();
    await client.client.callTool({ name: 'codex_status', arguments: { sessionId: launched.sessionId, waitSeconds: 40 } }, undefined, {
      onprogress: (p) => void progress.push({ at: Date.now(), ...p }),
      timeout: 60_000,
    });
    assert.ok(progress.length >= 2, `several notifications: ${JSON.stringify(progress)}`);
    assert.ok(progress[0]!.at - called < 2000, 'the first one comes at once');
    // The runner sets startedAt when Codex actually starts, a moment after the launch.
    const { startedAt } = await client.ok('codex_status', { sessionId: launched.sessionId });
    const taskSeconds = (progress[0]!.at - Date.parse(startedAt)) / 1000;
    assert.ok(taskSeconds >= 1.5, `the task had been running a while (${taskSeconds} s)`);
    assert.ok(Math.abs(progress[0]!.progress - taskSeconds) <= 1, `progress is the task's elapsed seconds (${taskSeconds}), not the wait's: ${JSON.stringify(progress)}`);
    assert.equal(progress[0]!.total, undefined, 'no made-up total');
    assert.match(progress[0]!.message ?? '', new RegExp(`${launched.sessionId} running · ${progress[0]!.progress}s · 0 cmds · .* · \\w+`));
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i]!.progress > progress[i - 1]!.progress, 'progress only grows');
  });
});

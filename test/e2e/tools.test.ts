import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { isFinished, sharedWorldClient } from '../support/mcp-client.ts';
import { processesWith, readSessionRecord, waitGroupGone, waitUntil } from '../support/processes.ts';

describe('the nine tools over stdio, driving the real Codex binary', { concurrency: 1 }, () => {
  const shared = sharedWorldClient();

  test('lists nine tools with input and output schemas and annotations', async () => {
    const { tools } = await shared.client.client.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    assert.deepEqual([...byName.keys()].sort(), ['codex_apply', 'codex_approve', 'codex_cancel', 'codex_forget', 'codex_launch', 'codex_result', 'codex_resume', 'codex_status', 'codex_steer']);
    for (const tool of tools) {
      assert.equal(tool.inputSchema.type, 'object', tool.name);
      assert.equal(tool.outputSchema?.type, 'object', tool.name);
      assert.ok(tool.description && tool.description.length < 300, `${tool.name} has a short description`);
    }
    assert.equal(byName.get('codex_status')?.annotations?.readOnlyHint, true);
    assert.equal(byName.get('codex_result')?.annotations?.readOnlyHint, true);
    assert.equal(byName.get('codex_cancel')?.annotations?.destructiveHint, true);
    assert.deepEqual(byName.get('codex_launch')?.inputSchema.required, ['prompt']);
  });

  test('plain answer: launch returns at once, then succeeded with the text', async () => {
    const launched = await shared.client.ok('codex_launch', { prompt: '@reply The answer is 42.', label: 'plain' });
    assert.equal(launched.status, 'running');
    assert.equal(launched.label, 'plain');
    assert.equal(launched.cwd, shared.world.workspace);
    const status = await shared.client.waitFor(launched.sessionId, isFinished);
    assert.equal(status.status, 'succeeded');
    assert.match(status.threadId, /^[0-9a-f-]{36}$/);
    assert.deepEqual(status.usage, { inputTokens: 100, cachedInputTokens: 0, cacheWriteInputTokens: 0, outputTokens: 20, reasoningOutputTokens: 0 });
    assert.equal(status.resultChars, 'The answer is 42.'.length);
    // The engine that ran it: app-server's lines are JSON-RPC messages, exec's are typed events.
    const events = await readFile(path.join(shared.world.stateDir, 'sessions', launched.sessionId, 'turn-1.events.jsonl'), 'utf8');
    const first = JSON.parse(events.split('\n')[0]!);
    if (process.env.CODEX_DELEGATE_ENGINE === 'exec') assert.equal(first.type, 'thread.started');
    else assert.equal(typeof first.method, 'string', `app-server engine: ${events.slice(0, 200)}`);
    const result = await shared.client.ok('codex_result', { sessionId: launched.sessionId });
    assert.equal(result.text, 'The answer is 42.');
    assert.equal(result.done, true);
    assert.equal(result.nextOffset, null);
  });

  test('notify without any OpenClaw token: the run works by polling and the status says why nothing is sent', async () => {
    const launched = await shared.client.ok('codex_launch', { prompt: '@reply polled', notify: { channel: 'telegram', target: '1' }, sandbox: 'read-only' });
    const status = await shared.client.waitFor(launched.sessionId, isFinished);
    assert.equal(status.status, 'succeeded');
    assert.match(status.notifyWarning, /no OpenClaw token is configured.*poll with codex_status/);
    assert.deepEqual(status.notifications, []);
  });

  test('a shell command and a file written in the workspace', async () => {
    const launched = await shared.client.ok('codex_launch', { prompt: 'make a file\n@run echo from-codex\n@write note.txt hello file' });
    const status = await shared.client.waitFor(launched.sessionId, isFinished);
    assert.equal(status.status, 'succeeded', status.error);
    assert.equal(status.counters.commands, 2);
    assert.equal(await readFile(path.join(shared.world.workspace, 'note.txt'), 'utf8'), 'hello file');
    const result = await shared.client.ok('codex_result', { sessionId: launched.sessionId });
    assert.equal(result.commands.length, 2);
    assert.match(result.commands[0].command, /echo from-codex/);
    assert.equal(result.commands[0].exitCode, 0);
  });

  test('a model error ends failed with the message', async () => {
    const launched = await shared.client.ok('codex_launch', { prompt: '@fail the mock model refuses this task' });
    const status = await shared.client.waitFor(launched.sessionId, isFinished);
    assert.equal(status.status, 'failed');
    assert.match(status.error, /the mock model refuses this task/);
    assert.equal(status.errorKind, 'codex');
  });

  test('large answers are paged', async () => {
    const launched = await shared.client.ok('codex_launch', { prompt: '@big 45000' });
    await shared.client.waitFor(launched.sessionId, isFinished);
    const first = await shared.client.ok('codex_result', { sessionId: launched.sessionId, maxChars: 20000 });
    assert.equal(first.totalChars, 45000);
    assert.equal(first.text.length, 20000);
    assert.equal(first.nextOffset, 20000);
    const last = await shared.client.ok('codex_result', { sessionId: launched.sessionId, offset: 40000 });
    assert.equal(last.text.length, 5000);
    assert.equal(last.nextOffset, null);
  });

  test('resume continues the same thread: the model sees the first turn', async () => {
    const launched = await shared.client.ok('codex_launch', { prompt: 'remember the word PELICAN\n@reply noted' });
    const first = await shared.client.waitFor(launched.sessionId, isFinished);
    const resumed = await shared.client.ok('codex_resume', { sessionId: launched.sessionId, prompt: 'what was the word?\n@reply PELICAN' });
    assert.equal(resumed.turn, 2);
    const second = await shared.client.waitFor(launched.sessionId, isFinished);
    assert.equal(second.status, 'succeeded');
    assert.equal(second.threadId, first.threadId);
    assert.equal(second.turns, 2);
    const lastRequest = JSON.stringify(shared.world.model.requests.at(-1)?.input);
    assert.match(lastRequest, /remember the word PELICAN/);
    assert.match(lastRequest, /noted/);
    assert.equal((await shared.client.ok('codex_result', { sessionId: launched.sessionId })).text, 'PELICAN');
    assert.equal((await shared.client.ok('codex_result', { sessionId: launched.sessionId, turn: 1 })).text, 'noted');
  });

  test('cancel stops Codex and every process it started', async () => {
    const launched = await shared.client.ok('codex_launch', { prompt: '@run sleep 297' });
    await shared.client.waitFor(launched.sessionId, () => true);
    // Wait until Codex is actually running the command.
    let record: any;
    for (let i = 0; i < 200; i++) {
      record = await readSessionRecord(shared.world.stateDir, launched.sessionId);
      if (record.turns[0].activity.startsWith('running: ')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(record.turns[0].activity, /^running: .*sleep 297/);
    // The command runs sandboxed (bubblewrap, its own session): outside the runner's group.
    await waitUntil(() => processesWith('sleep 297').length > 0, 10_000, 'the sandboxed command to start');
    const cancelled = await shared.client.ok('codex_cancel', { sessionId: launched.sessionId, reason: 'changed my mind' });
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(cancelled.alreadyFinished, false);
    await waitGroupGone(record.turns[0].runner.pid);
    await waitUntil(() => processesWith('sleep 297').length === 0, 5000, 'the sandboxed command to be gone');
    const status = await shared.client.ok('codex_status', { sessionId: launched.sessionId });
    assert.match(status.error, /changed my mind/);
    const again = await shared.client.ok('codex_cancel', { sessionId: launched.sessionId });
    assert.equal(again.alreadyFinished, true);
    assert.equal(again.status, 'cancelled');
  });

  test('a timeout ends timed_out and leaves no process', async () => {
    const launched = await shared.client.ok('codex_launch', { prompt: '@sleep 60000', timeoutSeconds: 10 });
    const status = await shared.client.waitFor(launched.sessionId, isFinished, 30_000);
    assert.equal(status.status, 'timed_out');
    assert.equal(status.errorKind, 'timeout');
    const record = await readSessionRecord(shared.world.stateDir, launched.sessionId);
    await waitGroupGone(record.turns[0].runner.pid);
  });

  test('state files are private', async () => {
    const { statSync } = await import('node:fs');
    assert.equal(statSync(shared.world.stateDir).mode & 0o777, 0o700);
    assert.equal(statSync(path.join(shared.world.stateDir, 'sessions.json')).mode & 0o777, 0o600);
    assert.ok(existsSync(path.join(shared.world.stateDir, 'sessions')));
  });
});

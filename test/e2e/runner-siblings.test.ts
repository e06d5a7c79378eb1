// Turns started together get their runners from one spawn by the server (runner/start-runner.ts):
// the first runner starts the others' before anything else. Each turn still has its own detached
// runner, and every turn runs to its end.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, watch } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { processStat } from '../../src/process/liveness.ts';
import { createWorld } from '../support/harness.ts';
import { isFinished, startClient } from '../support/mcp-client.ts';
import { readSessionRecord, waitUntil } from '../support/processes.ts';

test('three launches answered together: one spawn by the server, three runners, three answers', async () => {
  const world = await createWorld();
  const client = await startClient(world.env);
  try {
    const prompts = ['@sleep 1500\n@reply one', '@sleep 1500\n@reply two', '@sleep 1500\n@reply three'];
    const launched = await Promise.all(prompts.map((prompt) => client.ok('codex_launch', { prompt, sandbox: 'read-only' })));
    assert.deepEqual(launched.map((l) => l.status), ['running', 'running', 'running']);
    const runners: number[] = [];
    for (const { sessionId } of launched) {
      let pid: number | undefined;
      await waitUntil(async () => (pid = (await readSessionRecord(world.stateDir, sessionId)).turns[0].runner?.pid) !== undefined, 20_000, 'each turn’s runner');
      runners.push(pid!);
    }
    assert.equal(new Set(runners).size, 3, 'a runner of its own for each turn');
    // Whoever the first was, its command line names the other two turns, and it is their parent.
    const commandLines = runners.map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'));
    const first = commandLines.findIndex((args) => args.includes('--start'));
    assert.notEqual(first, -1, `one runner started the others: ${commandLines.map((args) => args.slice(1).join(' ')).join(' | ')}`);
    const others = launched.filter((_, i) => i !== first).map((l) => l.sessionId);
    for (const sessionId of others) assert.ok(commandLines[first]!.some((arg) => arg.startsWith(`${sessionId}/1/`)), `${sessionId} is among its --start turns`);
    for (const [i, pid] of runners.entries()) if (i !== first) assert.equal(processStat(pid)?.ppid, runners[first], 'started by the first runner');
    for (const [i, { sessionId }] of launched.entries()) {
      const status = await client.waitFor(sessionId, isFinished, 30_000);
      assert.equal(status.status, 'succeeded', status.error);
      assert.equal((await client.ok('codex_result', { sessionId })).text, ['one', 'two', 'three'][i]);
    }
  } finally {
    await client.close();
    await world.close();
  }
});

test('a turn whose runner cannot be started fails its own launch only; the rest of the burst runs', async () => {
  const world = await createWorld({ CODEX_DELEGATE_MAX_CONCURRENT: '8' });
  const client = await startClient(world.env);
  try {
    const warm = await client.ok('codex_launch', { prompt: '@reply warm', sandbox: 'read-only' });
    await client.waitFor(warm.sessionId, isFinished, 30_000);
    // A directory where the first new session's runner log goes: its runner cannot be started
    // (in life: too many open files, a failed fork).
    const sessions = path.join(world.stateDir, 'sessions');
    let blocked: string | undefined;
    const watcher = watch(sessions, (_event, name) => {
      if (blocked || !name || name === warm.sessionId) return;
      try {
        mkdirSync(path.join(sessions, name, 'turn-1.runner.log'));
        blocked = name;
      } catch {
        // Not a session folder yet.
      }
    });
    const answers = await Promise.all([0, 1, 2, 3, 4].map((k) => client.call('codex_launch', { prompt: `@reply r${k}`, sandbox: 'read-only', label: `r${k}` })));
    watcher.close();
    assert.ok(blocked, 'one session was blocked');
    const failed = answers.filter((a) => a.isError);
    assert.equal(failed.length, 1, JSON.stringify(answers.map((a) => a.content)));
    assert.match(JSON.stringify(failed[0]!.content), /turn-1\.runner\.log \(EISDIR\)/);
    for (const answer of answers.filter((a) => !a.isError)) {
      const { sessionId } = answer.structuredContent as { sessionId: string };
      assert.notEqual(sessionId, blocked);
      const status = await client.waitFor(sessionId, isFinished, 30_000);
      assert.equal(status.status, 'succeeded', status.error);
    }
  } finally {
    await client.close();
    await world.close();
  }
});

import assert from 'node:assert/strict';

import { existsSync } from 'node:fs';
import { chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { startFakeGateway } from '../support/fake-gateway.ts';
import { gatewayEnv, createWorld } from '../support/harness.ts';
import { isFinished, startClient } from '../support/mcp-client.ts';
import { isAlive, processesWith, readSessionRecord, waitGroupGone, waitUntil } from '../support/processes.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function runningCount(stateDir: string): Promise<number> {
  try {
    const data = JSON.parse(await readFile(path.join(stateDir, 'sessions.json'), 'utf8'));
    return Object.values<any>(data.sessions).filter((s) => s.turns.at(-1).status === 'running').length;
  } catch {
    return 0;
  }
}

describe('crashes and orphans', { concurrency: 1 }, () => {
  test('kill -9 of the runner: Codex is stopped, the turn is interrupted, exactly one 💥 whoever detects it', async () => {
    const gateway = await startFakeGateway();
    const world = await createWorld(gatewayEnv(gateway));
    const [a, b] = [await startClient(world.env), await startClient(world.env)];
    try {
      const launched = await a.ok('codex_launch', { prompt: '@run sleep 119', notify: { channel: 'telegram', target: '1' }, heartbeatSeconds: 0 });
      let record: any;
      await waitUntil(async () => (record = await readSessionRecord(world.stateDir, launched.sessionId)).turns[0].activity.startsWith('running:'), 20_000, 'the command to run');
      const runner = record.turns[0].runner.pid;
      process.kill(runner, 'SIGKILL');
      await waitUntil(() => !isAlive(runner), 5000, 'the runner to die');
      // Two servers look at the same time: only one may send the 💥.
      const [sa, sb] = await Promise.all([a.ok('codex_status', { sessionId: launched.sessionId }), b.ok('codex_status', { sessionId: launched.sessionId })]);
      assert.equal(sa.status, 'interrupted');
      assert.equal(sb.status, 'interrupted');
      assert.match(sa.error, /runner .* died/);
      await waitGroupGone(runner);
      await waitUntil(() => processesWith('sleep 119').length === 0, 5000, 'the sandboxed command to be gone');
      await waitUntil(() => gateway.messages().some((m) => m.startsWith('💥')), 10_000, 'the 💥 message');
      await sleep(1000);
      await Promise.all([a.ok('codex_status', {}), b.ok('codex_status', {})]);
      await sleep(500);
      assert.equal(gateway.messages().filter((m) => m.startsWith('💥')).length, 1);
    } finally {
      await a.close();
      await b.close();
      await world.close();
      await gateway.close();
    }
  });

  for (const how of ['SIGTERM', 'stdin close'] as const) {
    test(`${how} of the server: it exits within a second and leaves the runner alone`, async () => {
      const world = await createWorld();
      try {
        const client = await startClient(world.env);
        const launched = await client.ok('codex_launch', { prompt: '@sleep 1500\n@reply still here' });
        const server = client.pid!;
        const started = Date.now();
        if (how === 'SIGTERM') process.kill(server, 'SIGTERM');
        else await client.close();
        await waitUntil(() => !isAlive(server), 1000, 'the server to exit');
        assert.ok(Date.now() - started < 1000);
        await client.close().catch(() => {});
        await waitUntil(async () => (await readSessionRecord(world.stateDir, launched.sessionId)).turns[0].status === 'succeeded', 30_000, 'the run to succeed');
      } finally {
        await world.close();
      }
    });
  }
});

describe('concurrency', { concurrency: 1 }, () => {
  test('beyond the cap, launches queue FIFO with positions; a queued session can be cancelled', async () => {
    const world = await createWorld({ CODEX_DELEGATE_MAX_CONCURRENT: '2' });
    const client = await startClient(world.env);
    try {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        // read-only: the same-directory write rule must not be what holds them back here.
        const launched = await client.ok('codex_launch', { prompt: `@sleep 1200\n@reply job ${i}`, sandbox: 'read-only' });
        assert.equal(launched.status, i < 2 ? 'running' : 'queued');
        ids.push(launched.sessionId);
      }
      const third = await client.ok('codex_status', { sessionId: ids[2] });
      assert.equal(third.queuePosition, 1);
      assert.match(third.activity, /waiting for a free slot/);
      assert.equal((await client.ok('codex_status', { sessionId: ids[4] })).queuePosition, 3);
      const cancelled = await client.ok('codex_cancel', { sessionId: ids[3] });
      assert.equal(cancelled.status, 'cancelled');
      let peak = 0;
      let outOfOrder = false;
      await waitUntil(async () => {
        peak = Math.max(peak, await runningCount(world.stateDir));
        // One snapshot of the registry per look: separate status calls could each see a different moment.
        const data = JSON.parse(await readFile(path.join(world.stateDir, 'sessions.json'), 'utf8'));
        const started = (id: string) => data.sessions[id].turns[0].startedAt !== null;
        if (started(ids[4]!) && !started(ids[2]!)) outOfOrder = true;
        return ids.every((id) => isFinished(data.sessions[id].turns[0].status));
      }, 60_000, 'all to finish');
      assert.ok(peak <= 2, `peak ${peak}`);
      assert.ok(!outOfOrder, 'the later launch never started before the earlier one (FIFO)');
      const finals = await Promise.all(ids.map((id) => client.ok('codex_status', { sessionId: id })));
      assert.deepEqual(finals.map((s) => s.status), ['succeeded', 'succeeded', 'succeeded', 'cancelled', 'succeeded']);
    } finally {
      await client.close();
      await world.close();
    }
  });

  test('20 launches at once from 2 clients: 20 sessions, none lost, at most the cap running, all finish', async () => {
    const world = await createWorld({ CODEX_DELEGATE_MAX_CONCURRENT: '3' });
    const [a, b] = [await startClient(world.env), await startClient(world.env)];
    try {
      const launches = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).ok('codex_launch', { prompt: `@reply answer ${i}`, sandbox: 'read-only', label: `n${i}` })),
      );
      assert.equal(new Set(launches.map((l) => l.sessionId)).size, 20);
      let peak = 0;
      await waitUntil(async () => {
        peak = Math.max(peak, await runningCount(world.stateDir));
        const list = await a.ok('codex_status', { limit: 200 });
        return list.sessions.length === 20 && list.sessions.every((s: any) => isFinished(s.status));
      }, 120_000, 'all 20 to finish');
      assert.ok(peak <= 3, `peak ${peak}`);
      const list = await b.ok('codex_status', { limit: 200 });
      assert.deepEqual(new Set(list.sessions.map((s: any) => s.status)), new Set(['succeeded']));
      for (const launch of launches) {
        const result = await a.ok('codex_result', { sessionId: launch.sessionId });
        assert.match(result.text, /^answer \d+$/);
      }
    } finally {
      await a.close();
      await b.close();
      await world.close();
    }
  });

  test('the queue advances after the server is gone (runners start the next turn)', async () => {
    const world = await createWorld({ CODEX_DELEGATE_MAX_CONCURRENT: '1' });
    const client = await startClient(world.env);
    const first = await client.ok('codex_launch', { prompt: '@sleep 1000\n@reply first' });
    const second = await client.ok('codex_launch', { prompt: '@reply second', sandbox: 'read-only' });
    assert.equal(second.status, 'queued');
    process.kill(client.pid!, 'SIGKILL');
    await client.close().catch(() => {});
    try {
      await waitUntil(async () => (await readSessionRecord(world.stateDir, second.sessionId)).turns[0].status === 'succeeded', 30_000, 'the queued run to finish');
      assert.equal((await readSessionRecord(world.stateDir, first.sessionId)).turns[0].status, 'succeeded');
    } finally {
      await world.close();
    }
  });
});

describe('workspaces and budgets', { concurrency: 1 }, () => {
  test('two writable runs in one cwd do not overlap unless allowed; read-only runs are never held back', async () => {
    const world = await createWorld();
    const client = await startClient(world.env);
    try {
      const writer = await client.ok('codex_launch', { prompt: '@sleep 1500\n@reply writer' });
      const second = await client.ok('codex_launch', { prompt: '@reply second writer' });
      const reader = await client.ok('codex_launch', { prompt: '@reply reader', sandbox: 'read-only' });
      const allowed = await client.ok('codex_launch', { prompt: '@reply allowed', allowConcurrentWrites: true });
      assert.equal(writer.status, 'running');
      assert.equal(second.status, 'queued');
      assert.equal(reader.status, 'running');
      assert.equal(allowed.status, 'running');
      const waiting = await client.ok('codex_status', { sessionId: second.sessionId });
      assert.match(waiting.activity, new RegExp(`waiting: ${writer.sessionId} is writing in the same directory`));
      const done = await client.waitFor(second.sessionId, isFinished, 30_000);
      assert.equal(done.status, 'succeeded');
      const writerDone = await client.ok('codex_status', { sessionId: writer.sessionId });
      assert.ok(Date.parse(done.startedAt) >= Date.parse(writerDone.endedAt), 'the second writer started after the first ended');
    } finally {
      await client.close();
      await world.close();
    }
  });

  test('a resumed read-only session stays read-only: a write attempt leaves no file', async () => {
    const world = await createWorld();
    const client = await startClient(world.env);
    try {
      const launched = await client.ok('codex_launch', { prompt: '@reply looked around', sandbox: 'read-only' });
      await client.waitFor(launched.sessionId, isFinished);
      await client.ok('codex_resume', { sessionId: launched.sessionId, prompt: 'now write\n@write pwned.txt escaped the sandbox' });
      const status = await client.waitFor(launched.sessionId, isFinished);
      assert.equal(status.sandbox, 'read-only');
      assert.equal(status.turn, 2);
      assert.equal(existsSync(path.join(world.workspace, 'pwned.txt')), false);
      const result = await client.ok('codex_result', { sessionId: launched.sessionId });
      assert.notEqual(result.commands[0]?.exitCode, 0, 'the write command failed');
    } finally {
      await client.close();
      await world.close();
    }
  });

  test('a usage limit is reported as usage_limit with its reset time; maxTokens stops a run as budget', async () => {
    const world = await createWorld();
    const client = await startClient(world.env);
    try {
      const limited = await client.ok('codex_launch', { prompt: '@usage-limit 3600' });
      const status = await client.waitFor(limited.sessionId, isFinished);
      assert.equal(status.status, 'failed');
      assert.equal(status.errorKind, 'usage_limit');
      assert.match(status.resetsAt, /\d{1,2}:\d{2}/);
      const budget = await client.ok('codex_launch', { prompt: '@usage 5000 200\n@reply expensive', maxTokens: 1000 });
      const over = await client.waitFor(budget.sessionId, isFinished);
      assert.equal(over.status, 'failed');
      assert.equal(over.errorKind, 'budget');
      assert.match(over.error, /5200 tokens, over the maxTokens budget of 1000/);
    } finally {
      await client.close();
      await world.close();
    }
  });
});

describe('registry housekeeping', { concurrency: 1 }, () => {
  test('finished sessions past the retention period are pruned with their folders', async () => {
    const world = await createWorld({ CODEX_DELEGATE_RETENTION_DAYS: '30' });
    const client = await startClient(world.env);
    try {
      const recent = await client.ok('codex_launch', { prompt: '@reply keep me' });
      await client.waitFor(recent.sessionId, isFinished);
      await client.close();
      // Age one copy of it by 31 days, under a new id.
      const file = path.join(world.stateDir, 'sessions.json');
      const data = JSON.parse(await readFile(file, 'utf8'));
      const old = structuredClone(data.sessions[recent.sessionId]);
      old.id = 'abcdef12-0000beef';
      old.createdAt = old.turns[0].createdAt = old.turns[0].endedAt = new Date(Date.now() - 31 * 86_400_000).toISOString();
      data.sessions[old.id] = old;
      await writeFile(file, JSON.stringify(data));
      await mkdir(path.join(world.stateDir, 'sessions', old.id), { recursive: true });
      const next = await startClient(world.env);
      try {
        // The record goes first, its folder right after (a crash in between leaves only an orphan folder).
        await waitUntil(async () => !(await next.ok('codex_status', {})).sessions.some((s: any) => s.sessionId === old.id), 5000, 'the old session to be pruned');
        await waitUntil(() => !existsSync(path.join(world.stateDir, 'sessions', old.id)), 5000, 'its folder to be removed');
        assert.ok((await next.ok('codex_status', {})).sessions.some((s: any) => s.sessionId === recent.sessionId));
      } finally {
        await next.close();
      }
    } finally {
      await world.close();
    }
  });

  test('a state directory owned by another user is refused with the fix', { skip: process.getuid?.() !== 0 && 'needs root to chown' }, async () => {
    const world = await createWorld();
    await mkdir(world.stateDir, { recursive: true, mode: 0o700 });
    await chown(world.stateDir, 12345, 12345);
    const client = await startClient(world.env);
    try {
      const result = await client.call('codex_launch', { prompt: '@reply hi' });
      assert.equal(result.isError, true);
      assert.match((result.content[0] as any).text, /belongs to another user.*CODEX_DELEGATE_HOME/);
    } finally {
      await client.close();
      await world.close();
    }
  });
});


import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { processStartTime } from '../../src/process/liveness.ts';
import { makePaths } from '../../src/store/paths.ts';
import { Registry } from '../../src/store/registry.ts';
import { parseRegistry } from '../../src/store/registry-shape.ts';
import { createWorld } from '../support/harness.ts';
import { startClient } from '../support/mcp-client.ts';
import { testSession } from '../support/sessions.ts';

/**
 * Defects found by the hostile review of h-attack (2026-12-02). Each test fails on ea5c738
 * and should pass once the defect is fixed. See the review report for the analysis.
 */

const textOf = (result: CallToolResult) => result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

describe('attack findings', { concurrency: 1 }, () => {
  test('codex_forget is final: a concurrent archiveSettled does not bring the record back (status, resume)', async () => {
    const world = await createWorld();
    try {
      const setup = new Registry(makePaths(world.stateDir));
      await setup.init();
      // 1500 settled sessions: the archiver writes their records in batches, the victim among the last.
      const t0 = Date.now() - 500_000;
      const victim = { ...testSession('victim', new Date(t0 + 14_005).toISOString()), threadId: 'thread-of-victim', cwd: world.workspace };
      await setup.update((data) => {
        data.sessions[victim.id] = victim;
        for (let k = 0; k < 1500; k++) {
          const s = testSession(`other-${k}`, new Date(t0 + k * 10).toISOString());
          data.sessions[s.id] = s;
        }
      });
      const client = await startClient(world.env);
      try {
        // A runner's end-of-turn housekeeping, racing the user's codex_forget.
        const archiving = new Registry(makePaths(world.stateDir)).archiveSettled();
        const forgot = await client.call('codex_forget', { sessionId: victim.id });
        await archiving;
        assert.ok(!forgot.isError, textOf(forgot));
        const status = await client.call('codex_status', { sessionId: victim.id });
        assert.ok(status.isError, `a forgotten session is not served again: ${textOf(status)}`);
        const resumed = await client.call('codex_resume', { sessionId: victim.id, prompt: '@reply revived' });
        assert.ok(resumed.isError, `a forgotten session cannot be resumed: ${textOf(resumed)}`);
      } finally {
        await client.close();
      }
    } finally {
      await world.close();
    }
  });

  test('a record whose turn numbers do not match their positions never yields a TypeError, and can be cancelled or forgotten', async () => {
    const world = await createWorld();
    try {
      await mkdir(world.stateDir, { recursive: true, mode: 0o700 });
      const good = testSession('good');
      const bad = testSession('bad');
      bad.turns = [{ ...bad.turns[0]!, turn: 2, status: 'running', endedAt: null, runner: { pid: 999_999, startTime: null } }];
      await writeFile(path.join(world.stateDir, 'sessions.json'), JSON.stringify({ version: 1, sessions: { [good.id]: good, [bad.id]: bad } }), { mode: 0o600 });
      const client = await startClient(world.env);
      try {
        const list = await client.call('codex_status', {});
        assert.doesNotMatch(textOf(list), /Cannot read properties|TypeError/, textOf(list));
        const cancel = await client.call('codex_cancel', { sessionId: bad.id });
        assert.doesNotMatch(textOf(cancel), /internal error/, textOf(cancel));
      } finally {
        await client.close();
      }
    } finally {
      await world.close();
    }
  });

  test('the registry schema refuses runner pids that signal more than one process (0, 1, negative) and createdAt that is not an ISO time', () => {
    for (const pid of [0, 1, -1, 1.5]) {
      const s = testSession(`pid-${pid}`);
      s.turns = [{ ...s.turns[0]!, status: 'running', endedAt: null, runner: { pid, startTime: null } }];
      const parsed = parseRegistry({ version: 1, sessions: { [s.id]: s } });
      assert.equal(parsed.kind, 'ok');
      assert.equal(parsed.kind === 'ok' && parsed.rejected.length, 1, `runner pid ${pid} must be rejected: codex_cancel sends kill(-pid)`);
    }
    const s = { ...testSession('traversal'), createdAt: '../../../X' };
    const parsed = parseRegistry({ version: 1, sessions: { [s.id]: s } });
    assert.equal(parsed.kind === 'ok' && parsed.rejected.length, 1, 'createdAt ../../../X names an index shard outside the state dir');
  });

  test('a server killed while its launch waits for the lock leaves no token file behind', async () => {
    const TOKEN = 'SEKRIT-gw-token-0123456789';
    const world = await createWorld({
      OPENCLAW_GATEWAY_URL: 'http://127.0.0.1:9',
      OPENCLAW_GATEWAY_TOKEN: TOKEN,
      OPENCLAW_HOOKS_TOKEN: 'SEKRIT-hooks',
      OPENCLAW_CONFIG_PATH: '/nonexistent/openclaw.json',
    });
    try {
      const first = await startClient(world.env);
      const lock = path.join(world.stateDir, 'sessions.json.lock');
      await mkdir(lock, { recursive: true });
      await writeFile(path.join(lock, 'owner'), JSON.stringify({ pid: process.pid, startTime: processStartTime(process.pid), host: hostname(), token: 'test' }));
      const pending = first.call('codex_launch', { prompt: '@reply hi' }).catch(() => undefined);
      await sleep(1500);
      process.kill(first.pid!, 'SIGKILL');
      await pending;
      await rm(lock, { recursive: true, force: true });
      const second = await startClient(world.env);
      try {
        await second.ok('codex_status', {});
        await sleep(500);
      } finally {
        await second.close();
      }
      const leftovers: string[] = [];
      for (const id of await readdir(path.join(world.stateDir, 'sessions')).catch(() => [] as string[])) {
        for (const name of await readdir(path.join(world.stateDir, 'sessions', id))) {
          if ((await readFile(path.join(world.stateDir, 'sessions', id, name), 'utf8')).includes(TOKEN)) leftovers.push(`${id}/${name}`);
        }
      }
      assert.deepEqual(leftovers, [], 'no file holding a token outlives the launch that wrote it');
    } finally {
      await world.close();
    }
  });
  test('a runner waiting (within its 120 s budget) for a lock held 35 s is not declared "never started"', async () => {
    const world = await createWorld();
    try {
      const client = await startClient(world.env);
      try {
        await client.ok('codex_status', {});
        const lock = path.join(world.stateDir, 'sessions.json.lock');
        const { sessionId } = await client.ok('codex_launch', { prompt: '@reply hello', sandbox: 'read-only' });
        // Take the lock right after the launch's write, before the fresh runner process claims its turn.
        for (;;) {
          try {
            await mkdir(lock);
            break;
          } catch {
            await sleep(1);
          }
        }
        await writeFile(path.join(lock, 'owner'), JSON.stringify({ pid: process.pid, startTime: processStartTime(process.pid), host: hostname(), token: 'test' }));
        const look = (async () => {
          await sleep(25_000);
          return client.call('codex_status', { sessionId }); // waits for the lock like the runner does
        })();
        await sleep(35_000);
        await rm(lock, { recursive: true, force: true });
        await look;
        const status = await client.waitFor(sessionId, (s) => s !== 'queued' && s !== 'running', 60_000);
        assert.equal(status.status, 'succeeded', `${status.status}: ${status.error}`);
      } finally {
        await client.close();
      }
    } finally {
      await world.close();
    }
  });
});

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { createWorld, tempDir, type World } from '../support/harness.ts';
import { isFinished, startClient, type TestClient } from '../support/mcp-client.ts';
import { readSessionRecord, waitUntil } from '../support/processes.ts';
import { testSession } from '../support/sessions.ts';

/**
 * What a user must be able to trust of the store, through the real server:
 * nothing accepted is lost, damaged state never takes the rest down, gates hold
 * across servers, and a turn runs with the configuration of the server that accepted it.
 */

const text = (result: { content?: unknown }) => ((result.content as { text?: string }[] | undefined) ?? []).map((c) => c.text ?? '').join('\n');

async function withWorld(env: Record<string, string>, body: (world: World, client: TestClient) => Promise<void>): Promise<void> {
  const world = await createWorld(env);
  const client = await startClient(world.env);
  try {
    await body(world, client);
  } finally {
    await client.close();
    await world.close();
  }
}

describe('the registry through the tools', { concurrency: 1 }, () => {
  test('a registry of the wrong shape does not swallow launches: the session is recorded and found again', async () => {
    await withWorld({}, async (world, client) => {
      await mkdir(world.stateDir, { recursive: true, mode: 0o700 });
      await writeFile(path.join(world.stateDir, 'sessions.json'), '{"version":1,"sessions":[]}');
      const launched = await client.call('codex_launch', { prompt: '@reply recorded' });
      assert.ok(!launched.isError, text(launched));
      assert.match(text(launched), /moved to .*sessions\.json\.unrecognised-/);
      const sessionId = (launched.structuredContent as { sessionId: string }).sessionId;
      const status = await client.waitFor(sessionId, isFinished, 30_000);
      assert.equal(status.status, 'succeeded', status.error);
      assert.equal((await client.ok('codex_result', { sessionId })).text, 'recorded');
    });
  });

  test('one damaged record does not take the others down: listing, status and launch keep working, with a notice', async () => {
    await withWorld({}, async (world, client) => {
      await mkdir(world.stateDir, { recursive: true, mode: 0o700 });
      const good = testSession('good');
      const broken: Record<string, unknown> = { ...testSession('broken') };
      delete broken.turns;
      await writeFile(path.join(world.stateDir, 'sessions.json'), JSON.stringify({ version: 1, sessions: { [good.id]: good, [broken.id as string]: broken } }));
      const listing = await client.call('codex_status', {});
      assert.ok(!listing.isError, text(listing));
      assert.deepEqual((listing.structuredContent as { sessions: { sessionId: string }[] }).sessions.map((s) => s.sessionId), [good.id]);
      assert.match(text(listing), /⚠ 1 damaged session record .*broken|⚠ 1 damaged session record/);
      assert.equal((await client.ok('codex_status', { sessionId: good.id })).status, 'succeeded');
      const missing = await client.call('codex_status', { sessionId: broken.id as string });
      assert.ok(missing.isError);
      assert.doesNotMatch(text(missing), /Cannot read properties|invalid_type|"code":/);
      const launched = await client.ok('codex_launch', { prompt: '@reply fine' });
      assert.equal((await client.waitFor(launched.sessionId, isFinished, 30_000)).status, 'succeeded');
      const files = await readdir(world.stateDir);
      assert.ok(files.some((f) => f.startsWith('sessions.json.rejected-')), `the damaged record was set aside: ${files.join(', ')}`);
    });
  });

  test('a lock left with a time in the future does not block the tools', async () => {
    await withWorld({}, async (world, client) => {
      await mkdir(path.join(world.stateDir, 'sessions.json.lock'), { recursive: true });
      const future = new Date(Date.now() + 86_400_000);
      await utimes(path.join(world.stateDir, 'sessions.json.lock'), future, future);
      const started = Date.now();
      const launched = await client.ok('codex_launch', { prompt: '@reply unblocked' });
      assert.ok(Date.now() - started < 5000, `answered in ${Date.now() - started} ms`);
      assert.equal((await client.waitFor(launched.sessionId, isFinished, 30_000)).status, 'succeeded');
    });
  });

  test('two resumes at once: one is accepted and runs its own prompt; the refused one touches nothing of it', async () => {
    await withWorld({}, async (_world, client) => {
      const launched = await client.ok('codex_launch', { prompt: '@reply first' });
      await client.waitFor(launched.sessionId, isFinished, 30_000);
      for (let round = 0; round < 3; round++) {
        const prompts = [`@reply from-a-${round}`, `@reply from-b-${round}`];
        const answers = await Promise.all(prompts.map((prompt) => client.call('codex_resume', { sessionId: launched.sessionId, prompt })));
        const accepted = answers.filter((a) => !a.isError);
        assert.equal(accepted.length, 1, `exactly one resume is accepted: ${answers.map(text).join(' | ')}`);
        assert.match(text(answers.find((a) => a.isError)!), /still has a turn running/);
        const winner = prompts[answers.indexOf(accepted[0]!)]!.replace('@reply ', '');
        const status = await client.waitFor(launched.sessionId, isFinished, 30_000);
        assert.equal(status.status, 'succeeded', status.error);
        assert.equal((await client.ok('codex_result', { sessionId: launched.sessionId })).text, winner);
      }
    });
  });
});

describe('gates', { concurrency: 1 }, () => {
  test('resume does not bypass the danger gate: a server without CODEX_DELEGATE_ALLOW_DANGER refuses it', async () => {
    const world = await createWorld({ CODEX_DELEGATE_ALLOW_DANGER: '1' });
    const allowing = await startClient(world.env);
    const { CODEX_DELEGATE_ALLOW_DANGER: _, ...strictEnv } = world.env;
    const strict = await startClient(strictEnv);
    try {
      const launched = await allowing.ok('codex_launch', { prompt: '@reply danger ok', sandbox: 'danger-full-access' });
      await allowing.waitFor(launched.sessionId, isFinished, 30_000);
      const refused = await strict.call('codex_resume', { sessionId: launched.sessionId, prompt: '@reply should not run' });
      assert.ok(refused.isError);
      assert.match(text(refused), /sandbox "danger-full-access" is disabled; start the server with CODEX_DELEGATE_ALLOW_DANGER=1/);
      assert.equal((await readSessionRecord(world.stateDir, launched.sessionId)).turns.length, 1, 'no turn was recorded');
    } finally {
      await strict.close();
      await allowing.close();
      await world.close();
    }
  });
});

describe('configuration', { concurrency: 1 }, () => {
  test("a queued turn runs with the configuration of the server that accepted it, whoever's runner starts it", async () => {
    const a = await createWorld({ CODEX_DELEGATE_MAX_CONCURRENT: '1' });
    // Server B shares A's state directory but has its own Codex home, pointing at its own model.
    const b = await createWorld({ CODEX_DELEGATE_MAX_CONCURRENT: '1' });
    const clientA = await startClient(a.env);
    const clientB = await startClient({ ...b.env, CODEX_DELEGATE_HOME: a.stateDir });
    try {
      const first = await clientA.ok('codex_launch', { prompt: '@sleep 1500\n@reply A-first', label: 'a' });
      const second = await clientB.ok('codex_launch', { prompt: '@reply B-second', label: 'b' });
      assert.equal(second.status, 'queued');
      // A's runner ends its turn and starts the queued one; no server is asked to look meanwhile.
      await waitUntil(async () => isFinished((await readSessionRecord(a.stateDir, second.sessionId)).turns[0].status), 30_000, 'the queued turn to run');
      assert.equal((await readSessionRecord(a.stateDir, first.sessionId)).turns[0].status, 'succeeded');
      assert.equal((await readSessionRecord(a.stateDir, second.sessionId)).turns[0].status, 'succeeded');
      const asked = (model: World['model']) => JSON.stringify(model.requests);
      assert.ok(asked(b.model).includes('B-second'), "B's turn reached B's model");
      assert.ok(!asked(a.model).includes('B-second'), "B's turn never reached A's model");
    } finally {
      await clientA.close();
      await clientB.close();
      await a.close();
      await b.close();
    }
  });
});

/** A small tmpfs for the state directory, so the disk can really be full; needs root (CI and these machines are). */
async function smallDisk(): Promise<{ dir: string; fill(): void; free(): Promise<void>; unmount(): void } | undefined> {
  const dir = await tempDir('full-disk');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    await rm(dir, { recursive: true, force: true });
    return undefined;
  }
  const filler = path.join(dir, 'filler');
  return {
    dir,
    fill: () => {
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k', 'count=1000'], { stdio: 'ignore' });
      } catch {
        // dd stops with ENOSPC: that is the point.
      }
    },
    free: () => rm(filler, { force: true }),
    unmount: () => execFileSync('umount', ['-l', dir], { stdio: 'ignore' }),
  };
}

describe('a full disk', { concurrency: 1 }, () => {
  test('reads keep working while the state directory is full; a write says the disk is full and where', async (t) => {
    const disk = await smallDisk();
    if (!disk) {
      t.skip('mounting a small tmpfs needs root');
      return;
    }
    const stateDir = path.join(disk.dir, 'state');
    const world = await createWorld({ CODEX_DELEGATE_HOME: stateDir, CODEX_DELEGATE_MAX_CONCURRENT: '1' });
    const client = await startClient(world.env);
    try {
      const done = await client.ok('codex_launch', { prompt: '@reply written before' });
      await client.waitFor(done.sessionId, isFinished, 30_000);
      // A running turn and a queued one: every status call then has scheduling to try, which needs a write.
      const running = await client.ok('codex_launch', { prompt: '@sleep 4000\n@reply late' });
      const queued = await client.ok('codex_launch', { prompt: '@reply waiting' });
      assert.equal(queued.status, 'queued');
      disk.fill();

      const listing = await client.call('codex_status', {});
      assert.ok(!listing.isError, text(listing));
      assert.equal((listing.structuredContent as { sessions: unknown[] }).sessions.length, 3);
      const one = await client.call('codex_status', { sessionId: done.sessionId });
      assert.ok(!one.isError, text(one));
      const result = await client.call('codex_result', { sessionId: done.sessionId });
      assert.ok(!result.isError, text(result));
      assert.equal((result.structuredContent as { text: string }).text, 'written before');

      const refused = await client.call('codex_launch', { prompt: '@reply no room' });
      assert.ok(refused.isError);
      assert.match(text(refused), new RegExp(`The disk holding ${stateDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.* is full \\(ENOSPC\\); nothing was changed`));

      await disk.free();
      await client.waitFor(running.sessionId, isFinished, 30_000);
      const after = await client.waitFor(queued.sessionId, isFinished, 30_000);
      assert.equal(after.status, 'succeeded', after.error);
    } finally {
      await client.close();
      await disk.free();
      await world.close();
      disk.unmount();
      await rm(disk.dir, { recursive: true, force: true });
    }
  });
});



import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makePaths } from '../../src/store/paths.ts';
import { Registry } from '../../src/store/registry.ts';
import { tempDir } from '../support/harness.ts';
import { testSession, testSessionId } from '../support/sessions.ts';

/**
 * The registry under attack from outside: stopped and resumed holders, locks
 * that cannot be real, files of the wrong shape, damaged records.
 */

const WORKER = new URL('../support/registry-worker.ts', import.meta.url).pathname;

let dir: string;
before(async () => {
  dir = await tempDir('registry-trust');
});
after(async () => rm(dir, { recursive: true, force: true }));

/** Starts a worker that takes the lock, says so, and holds it for `holdMs` inside its update. */
async function holdingWorker(home: string, name: string, holdMs: number): Promise<{ child: ChildProcess; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [WORKER, home, name, '1', String(holdMs)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      if (out.includes('holding')) resolve();
    });
    child.on('exit', () => reject(new Error(`worker exited before holding the lock: ${out}`)));
  });
  return { child, exited };
}

async function sessionIds(home: string): Promise<string[]> {
  return Object.keys(JSON.parse(await readFile(path.join(home, 'sessions.json'), 'utf8')).sessions).sort();
}

describe('the lock', { concurrency: 1 }, () => {
  test('a stopped holder whose lock was taken away never writes over the new holder: both updates land', async () => {
    const home = path.join(dir, 'stopped-holder');
    const registry = new Registry(makePaths(home));
    await registry.init();
    const worker = await holdingWorker(home, 'stopped', 300);
    process.kill(worker.child.pid!, 'SIGSTOP');
    try {
      // What an older version (or any mtime-based lock) does once the holder looks stale: take the lock away.
      await rm(path.join(home, 'sessions.json.lock'), { recursive: true, force: true });
      await registry.update((data) => {
        const session = testSession('meanwhile');
        data.sessions[session.id] = session;
      });
    } finally {
      process.kill(worker.child.pid!, 'SIGCONT');
    }
    assert.equal(await worker.exited, 0);
    assert.deepEqual(await sessionIds(home), [testSessionId('meanwhile'), testSessionId('wstopped-0')].sort());
  });

  test('a live holder is never taken over, even when stopped: a waiting writer gives up in time, naming the lock and the pid', async () => {
    const home = path.join(dir, 'live-holder');
    const registry = new Registry(makePaths(home), () => {}, { lockWaitMs: 1500 });
    await registry.init();
    const worker = await holdingWorker(home, 'live', 200);
    process.kill(worker.child.pid!, 'SIGSTOP');
    const started = Date.now();
    try {
      await assert.rejects(
        registry.update(() => {}),
        (error: Error) =>
          error.message.includes(path.join(home, 'sessions.json.lock')) &&
          error.message.includes(`pid ${worker.child.pid}`) &&
          /stopped/.test(error.message) &&
          /nothing was changed/.test(error.message),
      );
      assert.ok(Date.now() - started < 5000, 'the wait is bounded');
    } finally {
      process.kill(worker.child.pid!, 'SIGCONT');
    }
    assert.equal(await worker.exited, 0);
    assert.deepEqual(await sessionIds(home), [testSessionId('wlive-0')]);
  });

  test('a lock from the future, or one whose owner is dead, is recovered at once', async () => {
    const home = path.join(dir, 'impossible');
    const registry = new Registry(makePaths(home), () => {}, { lockWaitMs: 3000 });
    await registry.init();
    const lock = path.join(home, 'sessions.json.lock');

    await mkdir(lock);
    const future = new Date(Date.now() + 3_600_000);
    await utimes(lock, future, future);
    let started = Date.now();
    await registry.update(() => {});
    assert.ok(Date.now() - started < 1000, `a future lock is broken at once (${Date.now() - started} ms)`);

    await mkdir(lock);
    await writeFile(path.join(lock, 'owner'), JSON.stringify({ pid: 2 ** 22 - 1, startTime: '1', host: (await import('node:os')).hostname(), token: 'dead' }));
    started = Date.now();
    await registry.update(() => {});
    assert.ok(Date.now() - started < 1000, `a dead owner's lock is broken at once (${Date.now() - started} ms)`);
    assert.deepEqual((await readdir(home)).filter((name) => name.includes('.lock')), [], 'no lock or broken-lock leftovers');
  });

  test('concurrent writers in several processes still lose nothing', async () => {
    const home = path.join(dir, 'concurrent');
    const workers = Array.from({ length: 3 }, (_, w) => {
      const child = spawn(process.execPath, [WORKER, home, String(w), '25'], { stdio: 'ignore' });
      return new Promise((resolve) => child.on('exit', resolve));
    });
    assert.deepEqual(await Promise.all(workers), [0, 0, 0]);
    assert.equal((await sessionIds(home)).length, 75);
  });
});

describe('the shape of the file', { concurrency: 1 }, () => {
  test('`sessions` as an array: the file is moved aside with a notice, and new sessions are recorded, not swallowed', async () => {
    const home = path.join(dir, 'array');
    const registry = new Registry(makePaths(home));
    await registry.init();
    await writeFile(path.join(home, 'sessions.json'), '{"version":1,"sessions":[]}');
    assert.deepEqual(Object.keys((await registry.read()).sessions), []);
    const session = testSession('after-array');
    await registry.update((data) => {
      data.sessions[session.id] = session;
    });
    assert.deepEqual(await sessionIds(home), [session.id]);
    assert.ok(await registry.getSession(session.id));
    const notices = registry.takeNotices().join('\n');
    assert.match(notices, /not in the expected shape .*"sessions" is an array.*moved to .*sessions\.json\.unrecognised-/s);
    const aside = (await readdir(home)).find((name) => name.startsWith('sessions.json.unrecognised-'))!;
    assert.equal(await readFile(path.join(home, aside), 'utf8'), '{"version":1,"sessions":[]}');
  });

  test('damaged records are set aside with a notice; every other session is still served and kept', async () => {
    const home = path.join(dir, 'damaged');
    const registry = new Registry(makePaths(home));
    await registry.init();
    const good = testSession('good');
    const noTurns: Record<string, unknown> = { ...testSession('no-turns') };
    delete noTurns.turns;
    const badStatus = testSession('bad-status');
    (badStatus.turns[0] as { status: string }).status = 'exploded';
    const file = { version: 1, sessions: { [good.id]: good, [noTurns.id as string]: noTurns, [badStatus.id]: badStatus } };
    await writeFile(path.join(home, 'sessions.json'), JSON.stringify(file));

    const data = await registry.read();
    assert.deepEqual(Object.keys(data.sessions), [good.id]);
    assert.equal(await registry.getSession(badStatus.id), undefined);
    assert.match(registry.takeNotices().join('\n'), /2 damaged session records .*not shown.*turns.*turns\.0\.status/s);

    await registry.update(() => {});
    assert.deepEqual(await sessionIds(home), [good.id]);
    assert.match(registry.takeNotices().join('\n'), /set aside in .*sessions\.json\.rejected-.*\.json/);
    const rejectedFile = (await readdir(home)).find((name) => name.startsWith('sessions.json.rejected-'))!;
    const rejected = JSON.parse(await readFile(path.join(home, rejectedFile), 'utf8'));
    assert.deepEqual(Object.keys(rejected).sort(), [noTurns.id, badStatus.id].sort());
    assert.deepEqual(rejected[badStatus.id].record, badStatus, 'kept verbatim');
  });

  test('a registry written by a newer version is neither served nor overwritten', async () => {
    const home = path.join(dir, 'newer');
    const registry = new Registry(makePaths(home));
    await registry.init();
    const text = '{"version":2,"live":{}}';
    await writeFile(path.join(home, 'sessions.json'), text);
    await assert.rejects(registry.read(), /newer version of codex-delegate-mcp .*Upgrade this server/);
    await assert.rejects(registry.update(() => {}), /newer version/);
    assert.equal(await readFile(path.join(home, 'sessions.json'), 'utf8'), text);
  });

  test('a corrupt file is reported by readers and moved aside by the next writer, never by a reader', async () => {
    const home = path.join(dir, 'corrupt');
    const registry = new Registry(makePaths(home));
    await registry.init();
    await writeFile(path.join(home, 'sessions.json'), '{"version":1,"sessions":{"trunc');
    assert.deepEqual(Object.keys((await registry.read()).sessions), []);
    assert.match(registry.takeNotices().join('\n'), /not valid JSON/);
    assert.equal(await readFile(path.join(home, 'sessions.json'), 'utf8'), '{"version":1,"sessions":{"trunc', 'the reader wrote nothing');
    await registry.update(() => {});
    assert.match(registry.takeNotices().join('\n'), /moved to .*sessions\.json\.corrupt-/);
  });
});

describe('a long write', { concurrency: 1 }, () => {
  test('holding the lock for longer than its refresh interval (a large migration) is not taken for a lost lock', async () => {
    const home = path.join(dir, 'long-hold');
    const logs: string[] = [];
    const registry = new Registry(makePaths(home), (message) => logs.push(message));
    await registry.init();
    const session = testSession('slow');
    let runs = 0;
    await registry.update(async (data) => {
      runs += 1;
      await new Promise((resolve) => setTimeout(resolve, 6500)); // past proper-lockfile's 5 s refresh
      data.sessions[session.id] = session;
    });
    assert.equal(runs, 1, `written once, not redone: ${logs.join(' | ')}`);
    assert.deepEqual(await sessionIds(home), [session.id]);
    assert.ok(!logs.some((line) => /compromised|no longer ours/.test(line)), logs.join(' | '));
  });
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { archiveSettled } from '../../src/store/archiving.ts';
import { makePaths } from '../../src/store/paths.ts';
import { Registry } from '../../src/store/registry.ts';
import { pruneOldSessions } from '../../src/store/retention.ts';
import { listSessions, type ListFilter } from '../../src/store/session-list.ts';
import type { Session } from '../../src/store/session.ts';
import { tempDir } from '../support/harness.ts';
import { testSession } from '../support/sessions.ts';

/** History moves out of the live file without a session lost, duplicated or torn, whatever crashes. */

const ARCHIVER = new URL('../support/archive-worker.ts', import.meta.url).pathname;
const WORKER = new URL('../support/registry-worker.ts', import.meta.url).pathname;

let dir: string;
before(async () => {
  dir = await tempDir('archive');
});
after(async () => rm(dir, { recursive: true, force: true }));

/** `count` finished sessions one minute apart, the newest last, with a label and a cwd per tenth. */
function history(count: number, start = Date.parse('2026-11-01T00:00:00Z')): Session[] {
  return Array.from({ length: count }, (_, i) => {
    const session = testSession(`h${i}`, new Date(start + i * 60_000).toISOString());
    session.label = `task ${i} ${i % 10 === 0 ? 'Refactor' : 'fix'}`;
    session.cwd = `/work/repo-${i % 3}${i % 2 ? '/sub' : ''}`;
    return session;
  });
}

async function registryWith(name: string, sessions: Session[]): Promise<Registry> {
  const home = path.join(dir, name);
  await mkdir(path.join(home, 'sessions'), { recursive: true });
  // Written straight to disk, in the format of the previous version: everything in one file.
  await writeFile(path.join(home, 'sessions.json'), JSON.stringify({ version: 1, sessions: Object.fromEntries(sessions.map((s) => [s.id, s])) }));
  return new Registry(makePaths(home));
}

async function listAll(registry: Registry, filter: ListFilter = {}, pageSize = 7): Promise<Session[]> {
  const all: Session[] = [];
  let cursor = null;
  do {
    const page = await listSessions(registry, filter, cursor, pageSize);
    all.push(...page.sessions);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

const ids = (sessions: Session[]) => sessions.map((s) => s.id);
const newestFirst = (sessions: Session[]) => [...sessions].sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));

describe('archiving', { concurrency: 1 }, () => {
  test('a large file of the previous format is migrated without loss: live keeps the recent few, every session is found and listed once', async () => {
    const sessions = history(3000);
    const registry = await registryWith('migrate', sessions);
    const started = Date.now();
    assert.equal(await archiveSettled(registry, 50), 2950);
    const took = Date.now() - started;
    assert.equal(Object.keys((await registry.read()).sessions).length, 50);
    const listed = await listAll(registry, {}, 200);
    assert.deepEqual(ids(listed), ids(newestFirst(sessions)));
    for (const session of [sessions[0]!, sessions[1500]!, sessions[2999]!]) assert.deepEqual(await registry.getSession(session.id), session);
    assert.equal(await archiveSettled(registry, 50), 0, 'nothing more to move');
    process.stdout.write(`# migrated 3000 sessions in ${took} ms\n`);
  });

  test('kill -9 at any moment of a move: every session is listed exactly once, with its full record', async () => {
    const sessions = history(400);
    for (let round = 0; round < 8; round++) {
      const registry = await registryWith(`crash-${round}`, sessions);
      const child = spawn(process.execPath, [ARCHIVER, registry.paths.home, '10'], { stdio: 'ignore' });
      await sleep(60 + round * 40);
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      const listed = await listAll(registry, {}, 100);
      assert.deepEqual(ids(listed), ids(newestFirst(sessions)), `round ${round}: each session once, in order`);
      assert.deepEqual(listed, newestFirst(sessions), `round ${round}: full records`);
      // Whatever the crash left, the next move completes it.
      await archiveSettled(registry, 10);
      assert.equal(Object.keys((await registry.read()).sessions).length, 10);
      assert.deepEqual(await listAll(registry, {}, 100), newestFirst(sessions));
    }
  });

  test('writers in other processes while sessions are archived: nothing lost or duplicated, no torn file', async () => {
    const registry = await registryWith('concurrent', history(600));
    const run = (script: string, args: string[]) =>
      new Promise<number | null>((resolve) => spawn(process.execPath, [script, ...args], { stdio: 'ignore' }).once('exit', resolve));
    const codes = await Promise.all([
      run(ARCHIVER, [registry.paths.home, '20']),
      run(WORKER, [registry.paths.home, 'a', '30']),
      run(ARCHIVER, [registry.paths.home, '20']),
      run(WORKER, [registry.paths.home, 'b', '30']),
    ]);
    assert.deepEqual(codes, [0, 0, 0, 0]);
    await archiveSettled(registry, 20);
    const listed = await listAll(registry, {}, 150);
    assert.equal(listed.length, 660);
    assert.equal(new Set(ids(listed)).size, 660);
  });

  test('a session that changed after its record was written stays live, and the live copy wins', async () => {
    const sessions = history(30);
    const registry = await registryWith('changed', sessions);
    const oldest = sessions[0]!;
    // A copy in the archive, as a move interrupted before its live drop leaves it…
    await registry.archive.writeRecords([oldest]);
    await registry.update(() => registry.archive.list([oldest]));
    // …then the live copy changes (a late notification record).
    await registry.update((data) => {
      data.sessions[oldest.id]!.notifyWarning = 'changed later';
    });
    assert.equal((await registry.getSession(oldest.id))?.notifyWarning, 'changed later');
    const listed = await listAll(registry);
    assert.equal(listed.filter((s) => s.id === oldest.id).length, 1);
    assert.equal(listed.find((s) => s.id === oldest.id)?.notifyWarning, 'changed later');
  });
});

describe('listing', { concurrency: 1 }, () => {
  const sessions = history(300);
  let registry: Registry;
  before(async () => {
    registry = await registryWith('filters', sessions);
    await archiveSettled(registry, 25);
  });

  test('pages with a cursor cover every session once, newest first', async () => {
    assert.deepEqual(ids(await listAll(registry, {}, 13)), ids(newestFirst(sessions)));
  });

  test('filters by cwd (the directory and below), label (any case), since/until and status, live and archived alike', async () => {
    const expect = (pick: (s: Session, i: number) => boolean) => ids(newestFirst(sessions.filter(pick)));
    assert.deepEqual(ids(await listAll(registry, { cwd: ['/work/repo-1'] })), expect((s) => s.cwd.startsWith('/work/repo-1')));
    assert.deepEqual(ids(await listAll(registry, { cwd: ['/work/repo-1/sub'] })), expect((s) => s.cwd === '/work/repo-1/sub'));
    assert.deepEqual(ids(await listAll(registry, { cwd: ['/work/repo'] })), [], 'a sibling with a common prefix is not below');
    assert.deepEqual(ids(await listAll(registry, { label: 'refACTOR' })), expect((_, i) => i % 10 === 0));
    const since = sessions[100]!.createdAt;
    const until = sessions[200]!.createdAt;
    assert.deepEqual(ids(await listAll(registry, { since, until })), expect((_, i) => i >= 100 && i < 200));
    assert.deepEqual(ids(await listAll(registry, { status: 'failed' })), []);
    assert.equal((await listAll(registry, { status: 'succeeded' })).length, 300);
  });
});

describe('forgetting and retention', { concurrency: 1 }, () => {
  test('retention prunes archived sessions past the period with their folders, without touching recent ones', async () => {
    const now = Date.parse('2026-12-20T00:00:00Z');
    const sessions = history(100, now - 40 * 86_400_000 - 50 * 60_000);
    const recent = history(5, now - 3_600_000);
    for (const [i, s] of recent.entries()) s.id = s.id.replace(/^test00/, `test0${i + 1}`);
    const registry = await registryWith('retention', [...sessions, ...recent]);
    for (const s of [...sessions, ...recent]) await mkdir(registry.paths.sessionDir(s.id), { recursive: true });
    await archiveSettled(registry, 2);
    const removed = await pruneOldSessions(registry, registry.paths, 30, now);
    assert.equal(removed.length, 100);
    assert.deepEqual(ids(await listAll(registry, {}, 50)), ids(newestFirst(recent)));
    assert.equal(existsSync(registry.paths.sessionDir(sessions[0]!.id)), false);
    assert.equal(existsSync(registry.paths.sessionDir(recent[0]!.id)), true);
  });
});

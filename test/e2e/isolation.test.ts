import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startFakeGateway } from '../support/fake-gateway.ts';
import { createWorld, gatewayEnv } from '../support/harness.ts';
import { isFinished, SERVER_MAIN, sharedWorldClient, startClient } from '../support/mcp-client.ts';
import { isAlive, readSessionRecord, waitGroupGone, waitUntil } from '../support/processes.ts';

/**
 * Isolated runs end to end: the built server over stdio, the real Codex binary
 * against the mock model (files written both by a shell command and by
 * apply_patch), and real git repositories made for each test.
 */

const textOf = (result: CallToolResult) => result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

/** git as a user runs it, without anything the test runner's environment might point elsewhere. */
function git(repo: string, ...args: string[]): string {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('GIT_')));
  return execFileSync('git', ['-C', repo, ...args], {
    encoding: 'utf8',
    env: { ...env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' },
  });
}

let repos = 0;
/** A repository with one commit: base.txt and shared.txt. */
async function makeRepo(root: string): Promise<string> {
  const repo = path.join(root, `repo-${++repos}`);
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  await writeFile(path.join(repo, 'base.txt'), 'one\ntwo\nthree\n');
  await writeFile(path.join(repo, 'shared.txt'), 'original line\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'start');
  return repo;
}

const branches = (repo: string) => git(repo, 'branch', '--list', 'codex/*', '--format=%(refname:short)').split('\n').filter(Boolean);
const status = (repo: string) => git(repo, 'status', '--porcelain', '--untracked-files=all');

describe('isolated runs: a worktree per task, the diff handed back, then apply, keep or discard', { concurrency: 1 }, () => {
  const shared = sharedWorldClient({ CODEX_DELEGATE_MAX_CONCURRENT: '10' });

  test('isolated run: the user tree is untouched, the diff lists both files, the patch pages, apply brings them, apply again says so', async () => {
    const { client, world } = shared;
    const repo = await makeRepo(world.root);
    const launched = await client.ok('codex_launch', {
      prompt: '@write shell.txt written by a shell\n@patch patched.txt written by apply_patch\n@sleep 1500',
      cwd: repo,
      model: 'gpt-5.5',
      label: 'Two files',
      isolation: 'worktree',
    });
    assert.equal(launched.status, 'running');
    assert.match(launched.worktree.branch, /^codex\/two-files-[0-9a-f]{8}$/);
    assert.equal(launched.warnings, undefined, 'a clean tree gives no warning');
    const worktreePath: string = launched.worktree.path;
    assert.ok(!worktreePath.startsWith(repo), 'the worktree is outside the user tree');
    assert.ok(worktreePath.startsWith(world.stateDir), 'the worktree is under the state directory');

    await waitUntil(() => existsSync(path.join(worktreePath, 'patched.txt')), 30_000, 'Codex to write in its worktree');
    assert.equal(status(repo), '', 'the user tree is untouched while the run works');
    const done = await client.waitFor(launched.sessionId, isFinished);
    assert.equal(done.status, 'succeeded');
    assert.equal(status(repo), '', 'and after it');
    assert.deepEqual(done.worktree, { path: worktreePath, branch: launched.worktree.branch, base: git(repo, 'rev-parse', 'HEAD').trim(), state: 'active' });

    const byPath = Object.fromEntries(done.diff.files.map((f: any) => [f.path, f]));
    assert.deepEqual(Object.keys(byPath).sort(), ['patched.txt', 'shell.txt']);
    assert.deepEqual(byPath['shell.txt'], { path: 'shell.txt', status: 'added', additions: 1, deletions: 0, binary: false });
    assert.deepEqual(byPath['patched.txt'], { path: 'patched.txt', status: 'added', additions: 1, deletions: 0, binary: false });
    assert.deepEqual([done.diff.additions, done.diff.deletions, done.diff.binaryFiles], [2, 0, 0]);
    assert.deepEqual(done.cumulativeDiff, done.diff, 'one turn: the cumulative diff is the turn diff');
    assert.deepEqual([...done.filesChanged].sort(), ['patched.txt', 'shell.txt'], 'filesChanged: the relative paths of the diff');
    assert.match(textOf(await client.call('codex_status', { sessionId: launched.sessionId })), /Diff of this turn: 2 files · \+2 −0/);

    // The patch, in pages that add up to the whole.
    const whole = await client.ok('codex_result', { sessionId: launched.sessionId, view: 'patch' });
    assert.equal(whole.view, 'patch');
    assert.match(whole.text, /^diff --git a\/patched.txt b\/patched.txt/m);
    assert.match(whole.text, /^\+written by a shell$/m);
    assert.match(whole.text, /^\+written by apply_patch$/m);
    let paged = '';
    let offset: number | null = 0;
    let pages = 0;
    while (offset !== null) {
      const page: any = await client.ok('codex_result', { sessionId: launched.sessionId, view: 'patch', offset, maxChars: 60 });
      paged += page.text;
      offset = page.nextOffset;
      pages++;
    }
    assert.equal(paged, whole.text);
    assert.ok(pages > 2, `the patch came in ${pages} pages`);
    const resource = await client.client.readResource({ uri: `codex://sessions/${launched.sessionId}/diff` });
    assert.equal((resource.contents[0] as { text: string }).text, whole.text);
    const patchFile = path.join(world.stateDir, 'sessions', launched.sessionId, 'turn-1.diff.patch');
    assert.equal(statSync(patchFile).mode & 0o777, 0o600);
    assert.equal(statSync(path.join(world.stateDir, 'worktrees')).mode & 0o777, 0o700);
    assert.equal(statSync(path.dirname(worktreePath)).mode & 0o777, 0o700);

    const applied = await client.ok('codex_apply', { sessionId: launched.sessionId, action: 'apply' });
    assert.equal(applied.alreadyApplied, false);
    assert.equal(applied.state, 'applied');
    assert.equal(await readFile(path.join(repo, 'shell.txt'), 'utf8'), 'written by a shell');
    assert.equal(await readFile(path.join(repo, 'patched.txt'), 'utf8'), 'written by apply_patch\n');
    assert.equal(git(repo, 'rev-parse', 'HEAD').trim(), done.worktree.base, 'applied as uncommitted changes');
    assert.ok(!existsSync(worktreePath), 'the worktree is removed');
    assert.deepEqual(branches(repo), [], 'its branch is deleted');
    const again = await client.ok('codex_apply', { sessionId: launched.sessionId, action: 'apply' });
    assert.equal(again.alreadyApplied, true);
    assert.equal((await client.ok('codex_status', { sessionId: launched.sessionId })).worktree.state, 'applied');
  });

  test('conflict: the user edited the same lines meanwhile, apply refuses, nothing changes, the file is named', async () => {
    const { client, world } = shared;
    const repo = await makeRepo(world.root);
    const launched = await client.ok('codex_launch', { prompt: '@write shared.txt codex line\n@write other.txt other', cwd: repo, isolation: 'worktree' });
    await client.waitFor(launched.sessionId, isFinished);
    await writeFile(path.join(repo, 'shared.txt'), 'user line\n');
    const before = status(repo);
    const refused = await client.call('codex_apply', { sessionId: launched.sessionId, action: 'apply' });
    assert.equal(refused.isError, true);
    assert.match(textOf(refused), /conflict with your working tree in shared\.txt; nothing in your tree was changed/);
    assert.equal(await readFile(path.join(repo, 'shared.txt'), 'utf8'), 'user line\n');
    assert.ok(!existsSync(path.join(repo, 'other.txt')), 'not even the file without a conflict');
    assert.equal(status(repo), before);
    assert.equal((await client.ok('codex_status', { sessionId: launched.sessionId })).worktree.state, 'active');
    const discarded = await client.ok('codex_apply', { sessionId: launched.sessionId, action: 'discard' });
    assert.equal(discarded.state, 'discarded');
  });

  test('keep removes the worktree and keeps the branch; discard removes both', async () => {
    const { client, world } = shared;
    const repo = await makeRepo(world.root);
    const kept = await client.ok('codex_launch', { prompt: '@write kept.txt keep me', cwd: repo, isolation: 'worktree', label: 'kept' });
    const dropped = await client.ok('codex_launch', { prompt: '@write dropped.txt drop me', cwd: repo, isolation: 'worktree', label: 'dropped' });
    await client.waitFor(kept.sessionId, isFinished);
    await client.waitFor(dropped.sessionId, isFinished);
    const keep = await client.ok('codex_apply', { sessionId: kept.sessionId, action: 'keep' });
    assert.equal(keep.branch, kept.worktree.branch);
    assert.ok(!existsSync(kept.worktree.path));
    assert.deepEqual(branches(repo), [kept.worktree.branch, dropped.worktree.branch].sort());
    // The uncommitted work was saved onto the kept branch.
    assert.equal(git(repo, 'show', `${kept.worktree.branch}:kept.txt`), 'keep me');
    const discard = await client.ok('codex_apply', { sessionId: dropped.sessionId, action: 'discard' });
    assert.equal(discard.branch, null);
    assert.ok(!existsSync(dropped.worktree.path));
    assert.deepEqual(branches(repo), [kept.worktree.branch]);
    assert.equal(status(repo), '', 'neither touched the user tree');
    const resumed = await client.call('codex_resume', { sessionId: dropped.sessionId, prompt: 'more' });
    assert.equal(resumed.isError, true);
    assert.match(textOf(resumed), /worktree was discarded, so it cannot continue there/);
  });

  test('isolated writable runs in one repository run at the same time; two apply cleanly, the third is discarded: the tree holds exactly the applied changes', async () => {
    const { client, world } = shared;
    const repo = await makeRepo(world.root);
    const a = await client.ok('codex_launch', { prompt: '@write a.txt from a\n@sleep 2000', cwd: repo, isolation: 'worktree' });
    const b = await client.ok('codex_launch', { prompt: '@write b.txt from b\n@sleep 2000', cwd: repo, isolation: 'worktree' });
    const c = await client.ok('codex_launch', { prompt: '@write base.txt rewritten by c\n@sleep 2000', cwd: repo, isolation: 'worktree' });
    assert.deepEqual([a.status, b.status, c.status], ['running', 'running', 'running']);
    for (const run of [b, c]) assert.doesNotMatch((await client.ok('codex_status', { sessionId: run.sessionId })).activity, /waiting/);
    for (const run of [a, b, c]) await client.waitFor(run.sessionId, isFinished);
    // Each diff, from codex_result as an agent reads it.
    const diffs = await Promise.all([a, b, c].map(async (run) => (await client.ok('codex_result', { sessionId: run.sessionId })).diff.files.map((f: any) => `${f.status} ${f.path}`)));
    assert.deepEqual(diffs, [['added a.txt'], ['added b.txt'], ['modified base.txt']]);
    await client.ok('codex_apply', { sessionId: a.sessionId, action: 'apply' });
    await client.ok('codex_apply', { sessionId: b.sessionId, action: 'apply' });
    await client.ok('codex_apply', { sessionId: c.sessionId, action: 'discard' });
    assert.equal(await readFile(path.join(repo, 'a.txt'), 'utf8'), 'from a');
    assert.equal(await readFile(path.join(repo, 'b.txt'), 'utf8'), 'from b');
    assert.deepEqual(status(repo).split('\n').filter(Boolean).sort(), ['?? a.txt', '?? b.txt'], 'nothing of c');
    assert.deepEqual(branches(repo), []);
  });

  test('resume: the second turn runs in the same worktree and sees the first turn\'s changes', async () => {
    const { client, world } = shared;
    const repo = await makeRepo(world.root);
    const launched = await client.ok('codex_launch', { prompt: '@write first.txt from turn one', cwd: repo, isolation: 'worktree' });
    await client.waitFor(launched.sessionId, isFinished);
    const resumed = await client.ok('codex_resume', { sessionId: launched.sessionId, prompt: '@run cat first.txt\n@write second.txt from turn two' });
    assert.equal(resumed.turn, 2);
    const done = await client.waitFor(launched.sessionId, isFinished);
    assert.equal(done.status, 'succeeded');
    const result = await client.ok('codex_result', { sessionId: launched.sessionId });
    assert.match(result.text, /from turn one/);
    assert.deepEqual(done.diff.files.map((f: any) => f.path), ['second.txt'], 'the turn diff: only this turn');
    assert.deepEqual(done.cumulativeDiff.files.map((f: any) => f.path).sort(), ['first.txt', 'second.txt'], 'the cumulative diff: everything since the base');
    assert.equal(status(repo), '');
    await client.ok('codex_apply', { sessionId: launched.sessionId, action: 'discard' });
  });

  test('a non-isolated run in a repository with uncommitted changes: the diff lists only what the turn changed', async () => {
    const { client, world } = shared;
    const repo = await makeRepo(world.root);
    await writeFile(path.join(repo, 'base.txt'), 'one\nTWO\nthree\n');
    await writeFile(path.join(repo, 'mine.txt'), 'the user was here\n');
    const launched = await client.ok('codex_launch', { prompt: '@write made.txt by codex', cwd: repo });
    assert.equal(launched.worktree, undefined);
    const done = await client.waitFor(launched.sessionId, isFinished);
    assert.equal(done.status, 'succeeded');
    assert.deepEqual(done.diff, { files: [{ path: 'made.txt', status: 'added', additions: 1, deletions: 0, binary: false }], additions: 1, deletions: 0, binaryFiles: 0 });
    assert.deepEqual(done.filesChanged, ['made.txt']);
    assert.equal(done.cumulativeDiff, undefined);
    const refused = await client.call('codex_apply', { sessionId: launched.sessionId, action: 'apply' });
    assert.equal(refused.isError, true);
    assert.match(textOf(refused), /was not launched with isolation: "worktree"/);
  });

  test('bad input: a base that does not exist; apply while a turn runs; a worktree deleted by hand', async () => {
    const { client, world } = shared;
    const repo = await makeRepo(world.root);
    const noBase = await client.call('codex_launch', { prompt: 'x', cwd: repo, isolation: 'worktree', base: 'no-such-branch' });
    assert.equal(noBase.isError, true);
    assert.match(textOf(noBase), /no-such-branch/);
    assert.deepEqual(branches(repo), []);

    const busy = await client.ok('codex_launch', { prompt: '@sleep 60000', cwd: repo, isolation: 'worktree' });
    const refused = await client.call('codex_apply', { sessionId: busy.sessionId, action: 'apply' });
    assert.equal(refused.isError, true);
    assert.match(textOf(refused), /has a turn queued or running in its worktree; wait for it \(codex_status\) or stop it \(codex_cancel\) first/);
    await waitUntil(async () => (await client.ok('codex_status', { sessionId: busy.sessionId })).threadId !== null, 30_000, 'a Codex thread to resume');
    await client.ok('codex_cancel', { sessionId: busy.sessionId });

    // Deleted by hand: resume and apply say what happened; the record stays; discard still cleans up.
    await rm(busy.worktree.path, { recursive: true, force: true });
    const resume = await client.call('codex_resume', { sessionId: busy.sessionId, prompt: 'go on' });
    assert.equal(resume.isError, true);
    assert.match(textOf(resume), /The worktree .* no longer exists \(deleted by hand\?\)/);
    const apply = await client.call('codex_apply', { sessionId: busy.sessionId, action: 'apply' });
    assert.equal(apply.isError, true);
    assert.match(textOf(apply), /no longer exists/);
    assert.equal((await client.ok('codex_status', { sessionId: busy.sessionId })).worktree.state, 'active');
    await client.ok('codex_apply', { sessionId: busy.sessionId, action: 'discard' });
    assert.deepEqual(branches(repo), []);
  });

  test('a kill -9 of the runner mid-turn leaves the worktree intact and reported in status', async () => {
    const { client, world } = shared;
    const repo = await makeRepo(world.root);
    const launched = await client.ok('codex_launch', { prompt: '@write half.txt half done\n@sleep 60000', cwd: repo, isolation: 'worktree' });
    await waitUntil(() => existsSync(path.join(launched.worktree.path, 'half.txt')), 30_000, 'the first write');
    const runner = (await readSessionRecord(world.stateDir, launched.sessionId)).turns[0].runner.pid;
    process.kill(-runner, 'SIGKILL');
    await waitUntil(() => !isAlive(runner), 5000, 'the runner to die');
    await waitGroupGone(runner);
    const after = await client.waitFor(launched.sessionId, isFinished);
    assert.equal(after.status, 'interrupted');
    assert.equal(after.worktree.state, 'active');
    assert.equal(await readFile(path.join(launched.worktree.path, 'half.txt'), 'utf8'), 'half done');
    assert.equal(status(repo), '');
    const applied = await client.ok('codex_apply', { sessionId: launched.sessionId, action: 'apply' });
    assert.deepEqual(applied.diff.files.map((f: any) => f.path), ['half.txt']);
  });
});

describe('doctor and forget with worktrees', { concurrency: 1 }, () => {
  const shared = sharedWorldClient();

  test('forget takes an isolated session\'s worktree with it; doctor lists stale worktrees and how to remove them', async () => {
    const { client, world } = shared;
    const repo = await makeRepo(world.root);
    const launched = await client.ok('codex_launch', { prompt: '@reply nothing to change', cwd: repo, isolation: 'worktree' });
    await client.waitFor(launched.sessionId, isFinished);
    await client.ok('codex_forget', { sessionId: launched.sessionId });
    assert.ok(!existsSync(launched.worktree.path), 'the worktree went with the session');
    assert.deepEqual(branches(repo), [], 'and its branch, which held no work');

    const doctor = () => spawnSync(process.execPath, [SERVER_MAIN, 'doctor'], { env: world.env, encoding: 'utf8' }).stdout;
    assert.match(doctor(), /✔ Worktrees: no stale worktrees/);
    assert.match(doctor(), /✔ git \(isolated runs, turn diffs\): git \d+\.\d+/);
    // A worktree no session knows (its record was lost), and one whose repository was deleted.
    const unknown = path.join(world.stateDir, 'worktrees', 'mf3k2x9a-1a2b3c4d', 'repo');
    git(repo, 'worktree', 'add', '-q', '-b', 'codex/lost-1a2b3c4d', unknown);
    const doomed = await makeRepo(world.root);
    const orphan = path.join(world.stateDir, 'worktrees', 'mf3k2x9a-99999999', 'repo');
    git(doomed, 'worktree', 'add', '-q', '-b', 'codex/orphan-99999999', orphan);
    await rm(doomed, { recursive: true, force: true });
    const report = doctor();
    assert.match(report, /⚠ Worktrees: 2 stale: /);
    assert.ok(report.includes(`${unknown} (no session mf3k2x9a-1a2b3c4d is recorded)`), report);
    assert.ok(report.includes(`${orphan} (its repository is gone)`), report);
    assert.ok(report.includes(`git -C '${unknown}' worktree remove --force '${unknown}'`), report);
    assert.ok(report.includes(`rm -rf '${orphan}'`), report);
  });
});

describe('the chat for an isolated run', { concurrency: 1 }, () => {
  test('the 🚀 names the branch; the ✅ carries the diff stat, the paths and how to apply', async () => {
    const gateway = await startFakeGateway();
    const world = await createWorld({ ...gatewayEnv(gateway), CODEX_DELEGATE_HEARTBEAT_SECONDS: '0' });
    const client = await startClient(world.env);
    try {
      const repo = await makeRepo(world.root);
      const launched = await client.ok('codex_launch', {
        prompt: '@run mkdir -p notes\n@write notes/todo.txt one line',
        cwd: repo,
        isolation: 'worktree',
        label: 'chat',
        notify: { channel: 'telegram', target: '42' },
      });
      await client.waitFor(launched.sessionId, isFinished);
      await waitUntil(() => gateway.messages().some((m) => m.startsWith('✅')), 20_000, 'the ✅');
      const rocket = gateway.messages().find((m) => m.startsWith('🚀'))!;
      assert.ok(rocket.includes(`isolated: branch ${launched.worktree.branch}`), rocket);
      const final = gateway.messages().find((m) => m.startsWith('✅'))!;
      assert.match(final, /1 file · \+1 −0: notes\/todo\.txt/);
      assert.ok(final.includes(`codex_apply ${launched.sessionId} apply | keep | discard`), final);
    } finally {
      await client.close();
      await world.close();
      await gateway.close();
    }
  });
});

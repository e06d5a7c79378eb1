import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { worktreeBranchName } from '../../src/git/branch-name.ts';
import { listOwnWorktrees, listWorktreeDirectories } from '../../src/git/own-worktrees.ts';
import { snapshotTree } from '../../src/git/snapshot.ts';
import { diffTrees } from '../../src/git/tree-diff.ts';
import { cumulativeDiff } from '../../src/git/turn-diff.ts';
import { createWorktree, removeWorktree } from '../../src/git/worktree.ts';
import { isolatedWorktreeSchema } from '../../src/git/worktree-record.ts';
import { gitState, makeRepo, sh, writeFiles } from '../support/git-repo.ts';
import { tempDir } from '../support/harness.ts';

let dir: string;
before(async () => {
  dir = await tempDir('git-worktree');
});
after(async () => rm(dir, { recursive: true, force: true }));

const worktreesOf = (name: string) => path.join(dir, 'state', 'worktrees', name);

test('branch names are codex/<label slug>-<short id> and always valid refs', () => {
  assert.equal(worktreeBranchName('Fix the flaky tests!', 'lq3x9a1b-0badf00d'), 'codex/fix-the-flaky-tests-0badf00d');
  assert.notEqual(worktreeBranchName('same', 'lq3x9a1b-0badf00d'), worktreeBranchName('same', 'lq3x9a1b-1badf00d'), 'same millisecond, different sessions');
  assert.equal(worktreeBranchName('…', '??'), 'codex/task-run');
  assert.equal(worktreeBranchName('a'.repeat(100), 'x').length, 'codex/'.length + 40 + 2);
});

test('a worktree is created outside the user tree, on a new branch, in the same subdirectory, and removed again', async () => {
  const repo = await makeRepo(path.join(dir, 'create'), { 'pkg/app/index.ts': 'export {};\n', 'README.md': 'r\n' });
  const before = await gitState(repo);
  const parentDir = worktreesOf('s1');
  const created = await createWorktree({ cwd: path.join(repo, 'pkg', 'app'), label: 'Refactor app', id: 'lq3x9a1b-12345678', parentDir });

  assert.equal(created.warning, null);
  assert.equal(created.branch, 'codex/refactor-app-12345678');
  assert.equal(created.repoRoot, repo);
  assert.equal(created.subdir, 'pkg/app');
  assert.equal(created.worktreePath, path.join(parentDir, 'create'));
  assert.equal(created.runCwd, path.join(parentDir, 'create', 'pkg', 'app'));
  assert.equal(await readFile(path.join(created.runCwd, 'index.ts'), 'utf8'), 'export {};\n');
  assert.equal(created.baseCommit, before.head);
  assert.equal((await stat(parentDir)).mode & 0o777, 0o700);
  const { warning: _warning, ...record } = created;
  assert.deepEqual(isolatedWorktreeSchema.parse(JSON.parse(JSON.stringify(created))), record, 'the record survives JSON and validates');
  assert.deepEqual(await gitState(repo), before, "the user's index, HEAD and status are untouched");
  assert.equal((await sh(created.worktreePath, 'symbolic-ref', '--short', 'HEAD')).trim(), created.branch);

  const listed = await listOwnWorktrees(repo, path.join(dir, 'state', 'worktrees'));
  assert.deepEqual(listed.map((w) => [w.branch, w.missing]), [[created.branch, false]]);

  const removed = await removeWorktree(created, 'discard');
  assert.deepEqual(removed, { branch: null, warning: null });
  assert.equal(await stat(created.worktreePath).catch(() => null), null);
  assert.equal(await sh(repo, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/codex/'), '');
  assert.deepEqual(await listOwnWorktrees(repo, path.join(dir, 'state', 'worktrees')), []);
});

test('a cwd outside any git work tree is refused with a sentence that says so', async () => {
  const plain = await mkdtemp(path.join(os.tmpdir(), 'git-plain-'));
  try {
    await assert.rejects(
      createWorktree({ cwd: plain, label: 'x', id: 'abc', parentDir: worktreesOf('s2') }),
      (error: Error) => error.name === 'UserError' && /is not inside a git work tree.*git init/.test(error.message),
    );
  } finally {
    await rm(plain, { recursive: true, force: true });
  }
});

test('a base that does not exist is refused, naming it; an existing base is used', async () => {
  const repo = await makeRepo(path.join(dir, 'base'), { 'a.txt': 'v1\n' });
  const first = (await sh(repo, 'rev-parse', 'HEAD')).trim();
  await writeFiles(repo, { 'a.txt': 'v2\n' });
  await sh(repo, 'commit', '-qam', 'second');
  await sh(repo, 'tag', 'v1', first);

  await assert.rejects(
    createWorktree({ cwd: repo, base: 'no-such-branch', label: 'x', id: 'abc', parentDir: worktreesOf('s3') }),
    /The base "no-such-branch" is not a commit in .*base/,
  );
  await assert.rejects(createWorktree({ cwd: repo, base: '--output=/tmp/x', label: 'x', id: 'abd', parentDir: worktreesOf('s3') }), /is not a commit/);
  const created = await createWorktree({ cwd: repo, base: 'v1', label: 'x', id: 'abe', parentDir: worktreesOf('s3') });
  assert.equal(created.baseCommit, first);
  assert.equal(await readFile(path.join(created.worktreePath, 'a.txt'), 'utf8'), 'v1\n');
  await removeWorktree(created, 'discard');
});

test('a dirty user tree gives a warning that its changes are not in the worktree', async () => {
  const repo = await makeRepo(path.join(dir, 'dirty'), { 'a.txt': 'committed\n' });
  await writeFiles(repo, { 'a.txt': 'uncommitted\n', 'new.txt': 'untracked\n' });
  const created = await createWorktree({ cwd: repo, label: 'dirty', id: 'abc', parentDir: worktreesOf('s4') });
  assert.match(created.warning ?? '', /uncommitted changes \(2 paths\).*does not include them/);
  assert.equal(await readFile(path.join(created.worktreePath, 'a.txt'), 'utf8'), 'committed\n');
  assert.equal(await stat(path.join(created.worktreePath, 'new.txt')).catch(() => null), null);
  await removeWorktree(created, 'discard');
});

test('the same branch twice, or a worktree directory inside the repository, is refused', async () => {
  const repo = await makeRepo(path.join(dir, 'twice'), { 'a.txt': 'a\n' });
  const created = await createWorktree({ cwd: repo, label: 'same', id: 'abc', parentDir: worktreesOf('s5') });
  await assert.rejects(createWorktree({ cwd: repo, label: 'same', id: 'abc', parentDir: worktreesOf('s5b') }), /branch codex\/same-abc already exists/);
  await assert.rejects(createWorktree({ cwd: repo, label: 'in', id: 'abc', parentDir: path.join(repo, 'wt') }), /inside the repository/);
  await removeWorktree(created, 'discard');
});

test('keep removes the directory and keeps the branch with every change, committed or not', async () => {
  const repo = await makeRepo(path.join(dir, 'keep'), { 'a.txt': 'a\n' });
  const created = await createWorktree({ cwd: repo, label: 'keep me', id: 'abc', parentDir: worktreesOf('s6') });
  await writeFiles(created.worktreePath, { 'committed.txt': 'c\n' });
  await sh(created.worktreePath, 'add', '-A');
  await sh(created.worktreePath, 'commit', '-qm', 'codex committed this');
  await writeFiles(created.worktreePath, { 'loose.txt': 'left uncommitted\n' });

  const kept = await removeWorktree(created, 'keep');
  assert.deepEqual(kept, { branch: 'codex/keep-me-abc', warning: null });
  assert.equal(await stat(created.worktreePath).catch(() => null), null);
  const files = (await sh(repo, 'ls-tree', '-r', '--name-only', kept.branch!)).split('\n').filter(Boolean).sort();
  assert.deepEqual(files, ['a.txt', 'committed.txt', 'loose.txt']);
  const diff = await diffTrees(repo, created.baseCommit, kept.branch!);
  assert.deepEqual(diff.files.map((f) => f.path).sort(), ['committed.txt', 'loose.txt']);
});

test('a worktree deleted by hand: discard and keep still clean up, and it is listed as missing', async () => {
  const repo = await makeRepo(path.join(dir, 'by-hand'), { 'a.txt': 'a\n' });
  const root = path.join(dir, 'state', 'worktrees');
  const one = await createWorktree({ cwd: repo, label: 'one', id: 'abc', parentDir: worktreesOf('s7') });
  const two = await createWorktree({ cwd: repo, label: 'two', id: 'abc', parentDir: worktreesOf('s8') });
  await rm(one.worktreePath, { recursive: true, force: true });
  await rm(two.worktreePath, { recursive: true, force: true });

  const listed = await listOwnWorktrees(repo, root);
  assert.deepEqual(listed.map((w) => [w.branch, w.missing]).sort(), [[one.branch, true], [two.branch, true]]);
  assert.deepEqual(await removeWorktree(one, 'discard'), { branch: null, warning: null });
  const kept = await removeWorktree(two, 'keep');
  assert.equal(kept.branch, two.branch);
  assert.match(kept.warning ?? '', /already deleted, so only what was committed/);
  assert.deepEqual(await listOwnWorktrees(repo, root), []);
  assert.equal((await sh(repo, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/codex/')).trim(), two.branch);
});

test('a repository that is gone gives a clear error, not a crash', async () => {
  const repo = await makeRepo(path.join(dir, 'gone'), { 'a.txt': 'a\n' });
  const created = await createWorktree({ cwd: repo, label: 'gone', id: 'abc', parentDir: worktreesOf('s9') });
  const root = path.join(dir, 'state', 'worktrees');
  assert.deepEqual((await listWorktreeDirectories(root)).filter((d) => d.sessionDir === 's9'), [{ path: created.worktreePath, sessionDir: 's9', orphaned: false }]);
  await rm(repo, { recursive: true, force: true });
  await assert.rejects(removeWorktree(created, 'discard'), /The repository .*gone no longer exists.*Delete .* by hand/);
  await assert.rejects(cumulativeDiff(created), /The repository .*gone no longer exists/);
  assert.deepEqual((await listWorktreeDirectories(root)).filter((d) => d.sessionDir === 's9'), [{ path: created.worktreePath, sessionDir: 's9', orphaned: true }]);
});

test('the user’s own worktrees (even on a codex/ branch) are never listed as ours', async () => {
  const repo = await makeRepo(path.join(dir, 'mine'), { 'a.txt': 'a\n' });
  await sh(repo, 'worktree', 'add', '-q', '-b', 'codex/users-own', path.join(dir, 'users-own-worktree'));
  await writeFile(path.join(dir, 'unrelated'), '');
  assert.deepEqual(await listOwnWorktrees(repo, path.join(dir, 'state', 'worktrees')), []);
  assert.equal((await snapshotTree(repo)).length, 40);
});

test('a cwd in a subdirectory that is not committed yet starts empty in the worktree, with a warning', async () => {
  const repo = await makeRepo(path.join(dir, 'untracked-sub'), { 'a.txt': 'a\n' });
  await writeFiles(repo, { 'fresh/notes.txt': 'not committed\n' });
  const created = await createWorktree({ cwd: path.join(repo, 'fresh'), label: 'fresh', id: 'abc', parentDir: worktreesOf('s10') });
  assert.equal(created.runCwd, path.join(created.worktreePath, 'fresh'));
  assert.ok((await stat(created.runCwd)).isDirectory());
  assert.match(created.warning ?? '', /fresh is not in [0-9a-f]{12}, so it starts empty.*uncommitted changes \(1 path\)/);
  await removeWorktree(created, 'discard');
});

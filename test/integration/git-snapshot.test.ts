import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { checkGitVersion } from '../../src/git/git-version.ts';
import { patchText, writePatchFile } from '../../src/git/patch.ts';
import { findRepository } from '../../src/git/repository.ts';
import { snapshotTree } from '../../src/git/snapshot.ts';
import { diffTrees, sameTree } from '../../src/git/tree-diff.ts';
import { finishTurnDiff, startTurnSnapshot } from '../../src/git/turn-diff.ts';
import { gitState, makeRepo, sh, writeFiles } from '../support/git-repo.ts';
import { tempDir } from '../support/harness.ts';

let dir: string;
before(async () => {
  dir = await tempDir('git-snapshot');
});
after(async () => rm(dir, { recursive: true, force: true }));

test('a directory outside any repository has no repository (and no diff), not an error', async () => {
  // The project's own .cache/tmp is inside its repository: a plain directory has to live elsewhere.
  const plain = await mkdtemp(path.join(os.tmpdir(), 'git-plain-'));
  try {
    await writeFiles(plain, { 'a.txt': 'a\n' });
    assert.equal(await findRepository(plain), null);
  } finally {
    await rm(plain, { recursive: true, force: true });
  }
  await assert.rejects(findRepository(path.join(dir, 'missing')), /does not exist/);
});

test('findRepository gives the root and the subdirectory relative to it', async () => {
  const repo = await makeRepo(path.join(dir, 'where'), { 'src/deep/a.ts': 'x\n' });
  const found = await findRepository(path.join(repo, 'src', 'deep'));
  assert.equal(found?.root, repo);
  assert.equal(found?.subdir, 'src/deep');
  assert.match(found?.head ?? '', /^[0-9a-f]{40}$/);
});

test('a turn diff holds what happened between two snapshots: shell-written, edited and deleted files, and nothing from before', async () => {
  const repo = await makeRepo(path.join(dir, 'turn'), {
    'edit.txt': 'one\ntwo\nthree\n',
    'gone.txt': 'a\nb\n',
    'dirty-before.txt': 'clean\n',
    'old-name.txt': 'this file is long enough\nfor rename detection\nto find it again\n',
    '.gitignore': 'ignored/\n',
  });
  // Changed before the turn: must not show up in the turn's diff.
  await writeFiles(repo, { 'dirty-before.txt': 'dirty before the turn\n', 'untracked-before.txt': 'here before\n' });
  await sh(repo, 'add', 'dirty-before.txt'); // staged, so the user's index differs from HEAD
  const before = await gitState(repo);

  const start = await snapshotTree(repo);
  // The "turn": a shell command writes a new file, an edit, a deletion, a rename, an ignored file.
  await writeFiles(repo, { 'shell/made.txt': 'l1\nl2\nl3\n', 'edit.txt': 'one\nTWO\nthree\nfour\n', 'ignored/cache.bin': 'x' });
  await unlink(path.join(repo, 'gone.txt'));
  await sh(repo, 'mv', 'old-name.txt', 'new-name.txt');
  const end = await snapshotTree(repo);

  const diff = await diffTrees(repo, start, end);
  const byPath = Object.fromEntries(diff.files.map((f) => [f.path, f]));
  assert.deepEqual(Object.keys(byPath).sort(), ['edit.txt', 'gone.txt', 'new-name.txt', 'shell/made.txt']);
  assert.deepEqual(byPath['shell/made.txt'], { path: 'shell/made.txt', status: 'added', additions: 3, deletions: 0, binary: false });
  assert.deepEqual(byPath['edit.txt'], { path: 'edit.txt', status: 'modified', additions: 2, deletions: 1, binary: false });
  assert.deepEqual(byPath['gone.txt'], { path: 'gone.txt', status: 'deleted', additions: 0, deletions: 2, binary: false });
  assert.deepEqual(byPath['new-name.txt'], { path: 'new-name.txt', status: 'renamed', additions: 0, deletions: 0, binary: false, oldPath: 'old-name.txt' });
  assert.equal(diff.additions, 5);
  assert.equal(diff.deletions, 3);
  assert.equal(diff.binaryFiles, 0);

  const patch = await patchText(repo, start, end);
  assert.match(patch, /^\+TWO$/m);
  assert.doesNotMatch(patch, /dirty before the turn|untracked-before|ignored\/cache/);

  // Snapshots never touch the user's index or HEAD (the `git mv` above did, on purpose: compare from there).
  const afterMove = await gitState(repo);
  await snapshotTree(repo);
  assert.deepEqual(await gitState(repo), afterMove);
  assert.equal(afterMove.head, before.head);
});

test('snapshots leave the index and HEAD byte-identical', async () => {
  const repo = await makeRepo(path.join(dir, 'untouched'), { 'a.txt': 'a\n' });
  await writeFiles(repo, { 'a.txt': 'changed\n', 'new.txt': 'new\n' });
  const before = await gitState(repo);
  const tree = await snapshotTree(repo);
  assert.deepEqual(await gitState(repo), before);
  assert.equal(await sameTree(repo, tree, await snapshotTree(repo)), true);
});

test('a binary file is counted in binaryFiles, and its patch is saved byte-exact as a 0600 file', async () => {
  const repo = await makeRepo(path.join(dir, 'binary'), { 'text.txt': 'x\n' });
  const start = await snapshotTree(repo);
  await writeFile(path.join(repo, 'image.bin'), Buffer.from([0, 1, 2, 255, 0, 7, 8]));
  await writeFile(path.join(repo, 'latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a])); // "café" in latin-1, not UTF-8
  const end = await snapshotTree(repo);
  const diff = await diffTrees(repo, start, end);
  assert.equal(diff.binaryFiles, 1);
  assert.deepEqual(diff.files.find((f) => f.path === 'image.bin'), { path: 'image.bin', status: 'added', additions: 0, deletions: 0, binary: true });

  const file = path.join(dir, 'binary.patch');
  await writePatchFile(repo, start, end, file);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  const saved = await readFile(file);
  assert.match(saved.toString('latin1'), /GIT binary patch/);
  assert.ok(saved.includes(Buffer.from([0x2b, 0x63, 0x61, 0x66, 0xe9, 0x0a])), 'the latin-1 line survives byte for byte');
  // The saved patch replays: apply it to a fresh checkout of the start state.
  await sh(repo, 'stash', '--include-untracked', '--quiet');
  await sh(repo, 'apply', file);
  assert.deepEqual([...(await readFile(path.join(repo, 'image.bin')))], [0, 1, 2, 255, 0, 7, 8]);
});

test('a repository with no commits yet still gets snapshots and diffs', async () => {
  const repo = path.join(dir, 'empty');
  await sh(dir, 'init', '--quiet', repo);
  const start = await snapshotTree(repo);
  await writeFiles(repo, { 'first.txt': 'hello\n' });
  const diff = await diffTrees(repo, start, await snapshotTree(repo));
  assert.deepEqual(diff.files.map((f) => [f.path, f.status]), [['first.txt', 'added']]);
  assert.equal((await findRepository(repo))?.head, null);
});

test('file names with spaces, tabs and newlines arrive intact', async () => {
  const repo = await makeRepo(path.join(dir, 'names'), { 'plain.txt': 'p\n' });
  const start = await snapshotTree(repo);
  const odd = 'a dir/tab\there "quoted"\nnewline.txt';
  await writeFiles(repo, { [odd]: 'x\n' });
  const diff = await diffTrees(repo, start, await snapshotTree(repo));
  assert.deepEqual(diff.files.map((f) => f.path), [odd]);
});

test('untracked files past the size limit are refused, naming the largest, before anything is hashed into .git', async () => {
  const repo = await makeRepo(path.join(dir, 'big'), { 'a.txt': 'a\n' });
  await writeFiles(repo, { 'data/huge.csv': 'x'.repeat(5000), 'small.txt': 's\n' });
  const objectsBefore = await sh(repo, 'count-objects');
  await assert.rejects(
    snapshotTree(repo, { maxUntrackedBytes: 4096 }),
    /2 untracked files that are not ignored.*largest: data\/huge\.csv.*Add them to \.gitignore or commit them/,
  );
  assert.equal(await sh(repo, 'count-objects'), objectsBefore);
  await writeFiles(repo, { '.gitignore': 'data/\n' });
  assert.equal((await snapshotTree(repo, { maxUntrackedBytes: 4096 })).length, 40);
});

test('startTurnSnapshot / finishTurnDiff: null outside a repository; inside, the diff of the turn and its patch saved 0600', async () => {
  const plain = await mkdtemp(path.join(os.tmpdir(), 'git-plain-'));
  try {
    assert.equal(await startTurnSnapshot(plain), null);
  } finally {
    await rm(plain, { recursive: true, force: true });
  }
  const repo = await makeRepo(path.join(dir, 'turn-helpers'), { 'sub/a.txt': 'a\n' });
  const start = await startTurnSnapshot(path.join(repo, 'sub'));
  assert.equal(start?.root, repo);
  await writeFiles(repo, { 'sub/a.txt': 'b\n', 'top.txt': 'outside cwd, still in the diff\n' });
  const patchFile = path.join(dir, 'turn-1.patch');
  const { diff, endTree } = await finishTurnDiff(start!, patchFile);
  assert.deepEqual(diff.files.map((f) => `${f.status} ${f.path} +${f.additions} -${f.deletions}`), ['modified sub/a.txt +1 -1', 'added top.txt +1 -0']);
  assert.equal((await stat(patchFile)).mode & 0o777, 0o600);
  assert.match(await readFile(patchFile, 'utf8'), /^\+b$/m);
  assert.equal(endTree, await snapshotTree(repo));
  await rm(repo, { recursive: true, force: true });
  await assert.rejects(finishTurnDiff(start!), /The work tree .* no longer exists/);
});

test('git is found and new enough for this layer', async () => {
  const check = await checkGitVersion();
  assert.equal(check.ok, true, check.problem ?? '');
  assert.match(check.version ?? '', /^\d+\.\d+/);
});

test('a nested repository with no commit yet (git can not add it) does not cost the rest of the diff', async () => {
  const repo = await makeRepo(path.join(dir, 'nested'), { 'a.txt': 'a\n' });
  const start = await snapshotTree(repo);
  await sh(repo, 'init', '--quiet', 'sub');
  await writeFiles(repo, { 'sub/inner.txt': 'inner\n', 'a.txt': 'changed\n' });
  const diff = await diffTrees(repo, start, await snapshotTree(repo));
  assert.deepEqual(diff.files.map((f) => f.path), ['a.txt']);
});

test('an edit right after a commit (same size, same clock tick) is never mistaken for unchanged', async () => {
  // The snapshot starts from a copy of the user's index; a copy with a fresh mtime once
  // made git trust stale cached stats and miss such edits in about a third of the runs.
  for (let i = 0; i < 20; i++) {
    const repo = await makeRepo(path.join(dir, `racy-${i}`), { 'a.txt': 'a\n' });
    await writeFiles(repo, { 'a.txt': 'b\n' });
    const tree = await snapshotTree(repo);
    assert.equal(await sh(repo, 'cat-file', 'blob', `${tree}:a.txt`), 'b', `run ${i}`);
  }
});

import assert from 'node:assert/strict';
import { readFile, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { applyWorktree } from '../../src/git/apply-worktree.ts';
import { cumulativeDiff } from '../../src/git/turn-diff.ts';
import { createWorktree } from '../../src/git/worktree.ts';
import { gitState, makeRepo, sh, treeBytes, writeFiles } from '../support/git-repo.ts';
import { tempDir } from '../support/harness.ts';

let dir: string;
before(async () => {
  dir = await tempDir('git-apply');
});
after(async () => rm(dir, { recursive: true, force: true }));

const parentDir = (name: string) => path.join(dir, 'state', 'worktrees', name);
const TEN_LINES = Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';

test('apply brings committed and uncommitted worktree changes into the user tree, uncommitted, then removes worktree and branch', async () => {
  const repo = await makeRepo(path.join(dir, 'apply'), { 'src/a.txt': TEN_LINES, 'old.txt': 'old\n', 'keep.txt': 'k\n' });
  const worktree = await createWorktree({ cwd: path.join(repo, 'src'), label: 'apply', id: 'abc', parentDir: parentDir('s1') });
  // The session's cumulative diff is taken against base.
  await writeFiles(worktree.worktreePath, { 'src/committed.txt': 'c\n' });
  await sh(worktree.worktreePath, 'add', '-A');
  await sh(worktree.worktreePath, 'commit', '-qm', 'Codex committed');
  await writeFiles(worktree.worktreePath, { 'src/a.txt': TEN_LINES.replace('line 2', 'LINE TWO'), 'bin.dat': Buffer.from([0, 159, 146, 150]) });
  await unlink(path.join(worktree.worktreePath, 'old.txt'));
  const patchFile = path.join(dir, 'cumulative.patch');
  const { diff: cumulative } = await cumulativeDiff(worktree, patchFile);
  assert.match(await readFile(patchFile, 'utf8'), /^\+LINE TWO$/m);
  assert.deepEqual(cumulative.files.map((f) => `${f.status} ${f.path}`).sort(), ['added bin.dat', 'added src/committed.txt', 'deleted old.txt', 'modified src/a.txt']);
  assert.equal(cumulative.binaryFiles, 1);

  // The user edits another part of a.txt meanwhile, and another file: both merge.
  await writeFiles(repo, { 'src/a.txt': TEN_LINES.replace('line 9', 'user nine'), 'keep.txt': 'user edit\n' });
  const head = (await sh(repo, 'rev-parse', 'HEAD')).trim();

  const applied = await applyWorktree(worktree);
  assert.equal(applied.warning, null);
  assert.deepEqual(applied.diff.files.map((f) => `${f.status} ${f.path}`).sort(), ['added bin.dat', 'added src/committed.txt', 'deleted old.txt', 'modified src/a.txt']);
  assert.equal(await readFile(path.join(repo, 'src/a.txt'), 'utf8'), TEN_LINES.replace('line 2', 'LINE TWO').replace('line 9', 'user nine'));
  assert.equal(await readFile(path.join(repo, 'src/committed.txt'), 'utf8'), 'c\n');
  assert.deepEqual([...(await readFile(path.join(repo, 'bin.dat')))], [0, 159, 146, 150]);
  assert.equal(await stat(path.join(repo, 'old.txt')).catch(() => null), null);
  assert.equal(await readFile(path.join(repo, 'keep.txt'), 'utf8'), 'user edit\n');

  // Uncommitted: HEAD did not move, nothing was staged.
  assert.equal((await sh(repo, 'rev-parse', 'HEAD')).trim(), head);
  assert.equal(await sh(repo, 'diff', '--cached', '--name-only'), '');
  const status = (await sh(repo, 'status', '--porcelain=v1', '--untracked-files=all')).split('\n').sort();
  assert.deepEqual(status, ['?? bin.dat', '?? src/committed.txt', ' D old.txt', ' M keep.txt', ' M src/a.txt'].sort());

  assert.equal(await stat(worktree.worktreePath).catch(() => null), null, 'the worktree is removed');
  assert.equal(await sh(repo, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/codex/'), '', 'its branch is deleted');
});

test('apply with a conflicting user edit is refused, names the file, and leaves the user tree byte-identical', async () => {
  const repo = await makeRepo(path.join(dir, 'conflict'), { 'a.txt': TEN_LINES, 'b.txt': 'b\n' });
  const worktree = await createWorktree({ cwd: repo, label: 'conflict', id: 'abc', parentDir: parentDir('s2') });
  await writeFiles(worktree.worktreePath, { 'a.txt': TEN_LINES.replace('line 5', 'codex five'), 'b.txt': 'codex b\n', 'new.txt': 'n\n' });
  await writeFiles(repo, { 'a.txt': TEN_LINES.replace('line 5', 'user five'), 'untracked.txt': 'mine\n' });
  await sh(repo, 'add', 'untracked.txt');
  const bytesBefore = await treeBytes(repo);
  const stateBefore = await gitState(repo);

  await assert.rejects(applyWorktree(worktree), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'conflict');
    assert.match(error.message, /conflict with your working tree in a\.txt; nothing in your tree was changed/);
    assert.doesNotMatch(error.message, /b\.txt|new\.txt/);
    return true;
  });
  assert.deepEqual(await treeBytes(repo), bytesBefore, 'not one byte of the user tree changed');
  assert.deepEqual(await gitState(repo), stateBefore, 'nor the index or HEAD');
  assert.ok((await stat(worktree.worktreePath)).isDirectory(), 'the worktree stays for another try');
  assert.equal((await sh(repo, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/codex/')).trim(), worktree.branch);
});

test('an untracked user file where the worktree adds a different one is a conflict too', async () => {
  const repo = await makeRepo(path.join(dir, 'add-add'), { 'a.txt': 'a\n' });
  const worktree = await createWorktree({ cwd: repo, label: 'add', id: 'abc', parentDir: parentDir('s3') });
  await writeFiles(worktree.worktreePath, { 'notes.md': 'codex notes\n' });
  await writeFiles(repo, { 'notes.md': 'user notes\n' });
  const bytesBefore = await treeBytes(repo);
  await assert.rejects(applyWorktree(worktree), /conflict with your working tree in notes\.md/);
  assert.deepEqual(await treeBytes(repo), bytesBefore);
});

test('two worktrees from one repository touching different files both apply cleanly', async () => {
  const repo = await makeRepo(path.join(dir, 'two'), { 'a.txt': 'a\n', 'b.txt': 'b\n' });
  const first = await createWorktree({ cwd: repo, label: 'first', id: 'abc', parentDir: parentDir('s4') });
  const second = await createWorktree({ cwd: repo, label: 'second', id: 'def', parentDir: parentDir('s5') });
  await writeFiles(first.worktreePath, { 'a.txt': 'first\n' });
  await writeFiles(second.worktreePath, { 'b.txt': 'second\n', 'c.txt': 'new from second\n' });

  assert.deepEqual((await applyWorktree(first)).diff.files.map((f) => f.path), ['a.txt']);
  assert.deepEqual((await applyWorktree(second)).diff.files.map((f) => f.path).sort(), ['b.txt', 'c.txt']);
  assert.equal(await readFile(path.join(repo, 'a.txt'), 'utf8'), 'first\n');
  assert.equal(await readFile(path.join(repo, 'b.txt'), 'utf8'), 'second\n');
  assert.equal(await readFile(path.join(repo, 'c.txt'), 'utf8'), 'new from second\n');
  assert.equal(await sh(repo, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/codex/'), '');
});

test('apply of a worktree without changes changes nothing and still cleans up', async () => {
  const repo = await makeRepo(path.join(dir, 'nothing'), { 'a.txt': 'a\n' });
  const worktree = await createWorktree({ cwd: repo, label: 'nothing', id: 'abc', parentDir: parentDir('s6') });
  const before = await treeBytes(repo);
  const applied = await applyWorktree(worktree);
  assert.deepEqual(applied.diff, { files: [], additions: 0, deletions: 0, binaryFiles: 0 });
  assert.deepEqual(await treeBytes(repo), before);
  assert.equal(await stat(worktree.worktreePath).catch(() => null), null);
});

test('apply of a worktree deleted by hand, or of a repository that is gone, is a clear error', async () => {
  const repo = await makeRepo(path.join(dir, 'by-hand'), { 'a.txt': 'a\n' });
  const worktree = await createWorktree({ cwd: repo, label: 'by hand', id: 'abc', parentDir: parentDir('s7') });
  await rm(worktree.worktreePath, { recursive: true, force: true });
  await assert.rejects(applyWorktree(worktree), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'not_found');
    assert.match(error.message, /The worktree .* no longer exists \(deleted by hand\?\).*still on the branch codex\/by-hand-abc/);
    return true;
  });

  const gone = await makeRepo(path.join(dir, 'gone'), { 'a.txt': 'a\n' });
  const orphan = await createWorktree({ cwd: gone, label: 'gone', id: 'abc', parentDir: parentDir('s8') });
  await rm(gone, { recursive: true, force: true });
  await assert.rejects(applyWorktree(orphan), /The repository .*gone no longer exists/);
});

test('an ignored user file in the way of a new file refuses the whole apply, naming it, and changes nothing', async () => {
  const repo = await makeRepo(path.join(dir, 'ignored'), { '.gitignore': 'out/\n', 'a.txt': 'a\n' });
  const worktree = await createWorktree({ cwd: repo, label: 'ignored', id: 'abc', parentDir: parentDir('s9') });
  // Codex stops ignoring out/ and adds a file there; the user has an ignored file at that very path.
  await writeFiles(worktree.worktreePath, { '.gitignore': '', 'out/report.txt': 'codex report\n', 'a.txt': 'codex a\n' });
  await writeFiles(repo, { 'out/report.txt': 'user build output\n' });
  const bytesBefore = await treeBytes(repo);
  await assert.rejects(applyWorktree(worktree), /cannot be written into your working tree \(out\/report\.txt\); nothing was changed/);
  assert.deepEqual(await treeBytes(repo), bytesBefore);
});

test('commits the user made after launch are neither reverted nor re-applied', async () => {
  const repo = await makeRepo(path.join(dir, 'moved-on'), { 'a.txt': TEN_LINES, 'b.txt': 'b\n' });
  const worktree = await createWorktree({ cwd: repo, label: 'moved', id: 'abc', parentDir: parentDir('s10') });
  await writeFiles(worktree.worktreePath, { 'a.txt': TEN_LINES.replace('line 1\n', 'codex one\n') });
  await writeFiles(repo, { 'b.txt': 'user committed\n', 'a.txt': TEN_LINES.replace('line 10', 'user ten') });
  await sh(repo, 'commit', '-qam', 'user moved on');
  const head = (await sh(repo, 'rev-parse', 'HEAD')).trim();

  const applied = await applyWorktree(worktree);
  assert.deepEqual(applied.diff.files.map((f) => `${f.path} +${f.additions} -${f.deletions}`), ['a.txt +1 -1']);
  assert.equal(await readFile(path.join(repo, 'a.txt'), 'utf8'), TEN_LINES.replace('line 1\n', 'codex one\n').replace('line 10', 'user ten'));
  assert.equal(await readFile(path.join(repo, 'b.txt'), 'utf8'), 'user committed\n');
  assert.equal((await sh(repo, 'rev-parse', 'HEAD')).trim(), head);
  assert.equal((await sh(repo, 'status', '--porcelain=v1')).trim(), 'M a.txt');
});

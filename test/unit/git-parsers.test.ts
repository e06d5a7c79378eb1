import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWorktreeList } from '../../src/git/own-worktrees.ts';
import { parseNameStatus, parseNumstat } from '../../src/git/tree-diff.ts';

test('name-status -z: renames and copies carry two paths, type changes count as modified', () => {
  const output = ['M', 'a.txt', 'R087', 'old name.txt', 'new\tname.txt', 'A', 'added', 'D', 'gone', 'T', 'link', 'C100', 'src', 'copy', ''].join('\0');
  assert.deepEqual(parseNameStatus(output), [
    { path: 'a.txt', status: 'modified' },
    { path: 'new\tname.txt', status: 'renamed', oldPath: 'old name.txt' },
    { path: 'added', status: 'added' },
    { path: 'gone', status: 'deleted' },
    { path: 'link', status: 'modified' },
    { path: 'copy', status: 'added' },
  ]);
  assert.deepEqual(parseNameStatus(''), []);
});

test('numstat -z: binary files are "-", renames put both paths after an empty one', () => {
  const output = ['3\t1\ta.txt', '-\t-\timg.png', '0\t0\t', 'old', 'new', '2\t0\tname\twith tab', ''].join('\0');
  assert.deepEqual(
    [...parseNumstat(output)],
    [
      ['a.txt', { additions: 3, deletions: 1, binary: false }],
      ['img.png', { additions: 0, deletions: 0, binary: true }],
      ['new', { additions: 0, deletions: 0, binary: false }],
      ['name\twith tab', { additions: 2, deletions: 0, binary: false }],
    ],
  );
});

test('worktree list --porcelain -z: one record per worktree, prunable ones marked missing', () => {
  const output = [
    'worktree /repo', 'HEAD abc', 'branch refs/heads/main', '',
    'worktree /state/worktrees/s1/repo', 'HEAD def', 'branch refs/heads/codex/x-1', 'prunable gitdir file points to non-existent location', '',
    'worktree /elsewhere', 'HEAD 123', 'detached', '',
  ].join('\0');
  assert.deepEqual(parseWorktreeList(output), [
    { path: '/repo', head: 'abc', branch: 'main', missing: false },
    { path: '/state/worktrees/s1/repo', head: 'def', branch: 'codex/x-1', missing: true },
    { path: '/elsewhere', head: '123', branch: null, missing: false },
  ]);
});

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createWorktree } from '../../src/git/worktree.ts';
import { archiveSettled } from '../../src/store/archiving.ts';
import { makePaths } from '../../src/store/paths.ts';
import { Registry } from '../../src/store/registry.ts';
import { pruneOldSessions } from '../../src/store/retention.ts';
import type { Session } from '../../src/store/session.ts';
import { tempDir } from '../support/harness.ts';
import { testSession } from '../support/sessions.ts';

/** Retention takes isolated sessions' worktrees with it, and keeps only branches with work never applied. */

let dir: string;
before(async () => {
  dir = await tempDir('retention-worktrees');
});
after(async () => rm(dir, { recursive: true, force: true }));

function git(repo: string, ...args: string[]): string {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('GIT_')));
  return execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', env: { ...env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
}

describe('retention and worktrees', () => {
  test('a pruned session takes its worktree with it; a branch with unapplied work is kept and named in the log', async () => {
    const repo = path.join(dir, 'repo');
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    await writeFile(path.join(repo, 'a.txt'), 'a\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'start');
    const home = path.join(dir, 'state');
    const paths = makePaths(home);
    const registry = new Registry(paths);
    await registry.init();
    const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
    const sessions: Session[] = [];
    for (const name of ['with-work', 'empty', 'archived-work']) {
      const session = testSession(name, old);
      const { warning: _warning, ...record } = await createWorktree({ cwd: repo, label: name, id: session.id, parentDir: paths.worktreeParent(session.id) });
      session.worktree = { ...record, state: 'active', settledAt: null };
      sessions.push(session);
    }
    await writeFile(path.join(sessions[0]!.worktree!.worktreePath, 'work.txt'), 'never applied\n');
    await writeFile(path.join(sessions[2]!.worktree!.worktreePath, 'more.txt'), 'never applied either\n');
    await registry.update((data) => {
      for (const s of sessions) data.sessions[s.id] = s;
    });
    for (const s of sessions) await mkdir(paths.sessionDir(s.id), { recursive: true });
    // One of them has already moved to the archive (keep 2 live).
    await archiveSettled(registry, 2);

    const logged: string[] = [];
    const removed = await pruneOldSessions(registry, paths, 30, Date.now(), (line) => logged.push(line));
    assert.deepEqual([...removed].sort(), sessions.map((s) => s.id).sort());
    for (const s of sessions) {
      assert.equal(existsSync(s.worktree!.worktreePath), false, `${s.label}'s worktree is gone`);
      assert.equal(existsSync(paths.worktreeParent(s.id)), false, `${s.label}'s worktree folder is gone`);
    }
    const branches = git(repo, 'branch', '--list', 'codex/*', '--format=%(refname:short)').split('\n').filter(Boolean).sort();
    assert.deepEqual(branches, [sessions[2]!.worktree!.branch, sessions[0]!.worktree!.branch].sort(), 'only branches with work are kept');
    assert.equal(git(repo, 'show', `${sessions[0]!.worktree!.branch}:work.txt`), 'never applied\n');
    for (const kept of [sessions[0]!, sessions[2]!]) {
      assert.ok(logged.some((line) => line.includes(kept.worktree!.branch) && /never applied/.test(line)), `the log names ${kept.worktree!.branch}: ${logged.join(' | ')}`);
    }
    assert.equal(git(repo, 'status', '--porcelain'), '', 'the user tree is untouched');
  });
});

import { existsSync } from 'node:fs';
import { checkGitVersion } from '../git/git-version.ts';
import { listWorktreeDirectories } from '../git/own-worktrees.ts';
import { makePaths } from '../store/paths.ts';
import { Registry } from '../store/registry.ts';
import type { Check } from './doctor.ts';

/** git for isolated runs and turn diffs: optional, so a missing or old git is a warning. */
export async function checkGit(): Promise<Check> {
  const label = 'git (isolated runs, turn diffs)';
  const found = await checkGitVersion();
  if (found.ok) return { state: 'ok', label, detail: `git ${found.version}` };
  return { state: 'warn', label, detail: found.version ? `git ${found.version} is too old` : 'git cannot be run', fix: found.problem ?? 'install git 2.38 or newer' };
}

/**
 * Worktrees of isolated sessions left on disk that no session will use again: the
 * session is unknown (forgotten, pruned, or its record was lost), or its worktree was
 * already settled, or its repository is gone. Read-only: the doctor only says how to
 * remove them. Worktrees of sessions still waiting for apply/keep/discard are counted.
 */
export async function checkWorktrees(home: string): Promise<Check> {
  const label = 'Worktrees';
  const paths = makePaths(home);
  if (!existsSync(paths.worktreesDir)) return { state: 'ok', label, detail: 'none (no isolated runs yet)' };
  const registry = new Registry(paths);
  const stale: string[] = [];
  const fixes: string[] = [];
  let waiting = 0;
  for (const dir of await listWorktreeDirectories(paths.worktreesDir)) {
    const session = await registry.getSession(dir.sessionDir).catch(() => undefined);
    const worktree = session?.worktree;
    if (dir.orphaned) {
      stale.push(`${dir.path} (its repository is gone)`);
      fixes.push(`rm -rf '${dir.path}'`);
    } else if (!worktree || worktree.state !== 'active') {
      stale.push(`${dir.path} (${worktree ? `session ${dir.sessionDir} was ${worktree.state}` : `no session ${dir.sessionDir} is recorded`})`);
      fixes.push(`git -C '${dir.path}' worktree remove --force '${dir.path}'${worktree ? ` && git -C '${worktree.repoRoot}' branch -D '${worktree.branch}'` : ''}`);
    } else {
      waiting++;
    }
  }
  const pending = waiting > 0 ? `${waiting} waiting for codex_apply (apply, keep or discard)` : '';
  if (stale.length === 0) return { state: 'ok', label, detail: pending || 'no stale worktrees' };
  return {
    state: 'warn',
    label,
    detail: `${stale.length} stale: ${stale.join('; ')}${pending ? `; ${pending}` : ''}`,
    fix: `remove them (a kept branch stays unless you delete it): ${fixes.join(' ; ')}`,
  };
}

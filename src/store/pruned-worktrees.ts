import { rmdir } from 'node:fs/promises';
import { errorMessage } from '../errors.ts';
import { git } from '../git/git-command.ts';
import { removeWorktree } from '../git/worktree.ts';
import type { Session } from './session.ts';

/**
 * What retention does with the worktree of a session it prunes: the worktree goes
 * (its uncommitted work first saved onto its branch, as `keep` does), and the branch
 * goes too when it holds nothing beyond its base. A branch with work that was never
 * applied is kept, and named in the log so the user can find it. Never throws: a
 * repository that is gone leaves only a log line.
 */
export async function releasePrunedWorktree(session: Session, parentDir: string, log: (message: string) => void): Promise<void> {
  const worktree = session.worktree;
  if (!worktree || worktree.state !== 'active') return;
  try {
    const { branch } = await removeWorktree(worktree, 'keep');
    await rmdir(parentDir).catch(() => {});
    if (!branch) return;
    const ahead = Number((await git(worktree.repoRoot, ['rev-list', '--count', `${worktree.baseCommit}..refs/heads/${branch}`])).stdout.trim());
    if (ahead === 0) {
      await git(worktree.repoRoot, ['branch', '-D', '--', branch]);
      return;
    }
    log(`pruned session ${session.id}: its worktree is removed, but the branch ${branch} in ${worktree.repoRoot} keeps work that was never applied (${ahead} commit(s)); merge it, or delete it with git branch -D ${branch}`);
  } catch (error) {
    // Nothing retries this (the session is gone): say what is left and how to remove it by hand.
    log(
      `pruned session ${session.id}: its worktree ${worktree.worktreePath} (branch ${worktree.branch}) is left in place: ${errorMessage(error)} ` +
        `When you no longer need it: git -C ${worktree.repoRoot} worktree remove --force ${worktree.worktreePath}`,
    );
  }
}

import { UserError } from '../errors.ts';
import { git, GitCommandError } from './git-command.ts';
import { refuseEmbeddedRepositories } from './embedded-repositories.ts';
import { patchBytes } from './patch.ts';
import { snapshotTree } from './snapshot.ts';
import { diffTrees, type TreeDiff } from './tree-diff.ts';
import type { IsolatedWorktree } from './worktree-record.ts';
import { removeWorktree, requireWorktree } from './worktree.ts';

export interface AppliedWorktree {
  /** What changed in the user's tree (relative to the repository root); empty when there was nothing to bring. */
  diff: TreeDiff;
  /** A sentence for the user when the changes are in but the worktree could not be cleaned up, else null. */
  warning: string | null;
}

/**
 * Brings everything the worktree holds relative to its base (commits and uncommitted
 * changes alike) into the user's working tree as uncommitted changes, then removes
 * the worktree and deletes its branch.
 *
 * A three-way merge, computed entirely in git's object database before any file is
 * written: base = the worktree's base commit, ours = a snapshot of the user's tree
 * (their uncommitted edits and untracked files included), theirs = a snapshot of the
 * worktree. `git merge-tree --write-tree` either yields the merged tree or names the
 * conflicting files; only a clean result is written out, as the patch from the user's
 * snapshot to the merged tree, by `git apply` (all-or-nothing, working tree only: the
 * user's index and HEAD stay as they were). On a conflict nothing is written at all.
 */
export async function applyWorktree(worktree: IsolatedWorktree): Promise<AppliedWorktree> {
  await requireWorktree(worktree);
  const root = worktree.repoRoot;
  const theirs = await snapshotTree(worktree.worktreePath);
  await refuseEmbeddedRepositories(worktree, theirs);
  const ours = await snapshotTree(root);
  const merged = await mergeTrees(root, worktree, ours, theirs);
  const diff = await diffTrees(root, ours, merged);
  if (diff.files.length > 0) await writeIntoWorkTree(root, ours, merged, worktree.branch);
  const removed = await removeWorktree(worktree, 'discard').then(
    () => null,
    (error: unknown) =>
      `Your changes were applied, but the worktree ${worktree.worktreePath} could not be removed (${error instanceof Error ? error.message : String(error)}). Discard it again later.`,
  );
  return { diff, warning: removed };
}

/** The merged tree of `ours` and `theirs` over the worktree's base, or a conflict error naming the files. */
async function mergeTrees(root: string, worktree: IsolatedWorktree, ours: string, theirs: string): Promise<string> {
  // merge-tree merges commits: wrap both trees in throw-away commits whose only parent
  // is the base, so the merge base is exactly the base (git < 2.40 has no --merge-base).
  const commit = async (tree: string, message: string) =>
    (await git(root, ['commit-tree', tree, '-p', worktree.baseCommit, '-m', message])).stdout.trim();
  const oursCommit = await commit(ours, 'codex-delegate: your working tree');
  const theirsCommit = await commit(theirs, `codex-delegate: ${worktree.branch}`);
  let result;
  try {
    result = await git(root, ['merge-tree', '--write-tree', '--name-only', '-z', '--no-messages', oursCommit, theirsCommit], { okExitCodes: [0, 1] });
  } catch (error) {
    if (error instanceof GitCommandError && /--write-tree|unknown option|usage:/.test(error.stderr)) {
      throw new UserError('bad_input', 'Applying a worktree needs git 2.38 or newer (git merge-tree --write-tree). Update git, or keep the branch and merge it yourself.', { cause: error });
    }
    throw error;
  }
  const [tree = '', ...rest] = result.stdout.split('\0');
  if (result.exitCode === 0) return tree.trim();
  const conflicted = [...new Set(rest.filter(Boolean))];
  throw new UserError(
    'conflict',
    `The worktree's changes conflict with your working tree in ${conflicted.join(', ') || 'some files'}; nothing in your tree was changed. Commit, stash or undo your edits to ${conflicted.length === 1 ? 'that file' : 'those files'} and apply again, or keep the branch ${worktree.branch} and merge it yourself.`,
  );
}

/** Writes the difference `from` → `to` into the work tree only; all or nothing. */
async function writeIntoWorkTree(root: string, from: string, to: string, branch: string): Promise<void> {
  const patch = await patchBytes(root, from, to);
  const apply = ['apply', '--whitespace=nowarn'];
  const check = await git(root, [...apply, '--check', '-'], { input: patch, okExitCodes: [0, 1, 128] });
  if (check.exitCode !== 0) {
    // The tree changed between the snapshot and now, or an ignored file is in the way.
    const files = [...new Set([...check.stderr.matchAll(/^error: (.+?): /gm)].map((match) => match[1]))];
    throw new UserError(
      'conflict',
      `The worktree's changes cannot be written into your working tree${files.length ? ` (${files.join(', ')})` : ''}; nothing was changed. If files changed meanwhile or an ignored file is in the way, move it and apply again, or keep the branch ${branch} and merge it yourself.`,
    );
  }
  await git(root, [...apply, '-'], { input: patch });
}

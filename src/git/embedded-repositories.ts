import { UserError } from '../errors.ts';
import { git } from './git-command.ts';
import type { IsolatedWorktree } from './worktree-record.ts';

/**
 * A git repository Codex created inside the worktree (`git init` in a
 * subfolder) is recorded by a snapshot as a gitlink: its files are not part of
 * the tree, and its commits live only in its own `.git`. Applying or keeping
 * would carry an empty folder and then remove the worktree with those files.
 * So both refuse while such a repository is there, and the worktree is kept.
 * Gitlinks the base already had (the user's submodules) are fine.
 */
export async function refuseEmbeddedRepositories(worktree: IsolatedWorktree, tree: string): Promise<void> {
  const [now, before] = await Promise.all([gitlinks(worktree.worktreePath, tree), gitlinks(worktree.worktreePath, worktree.baseCommit)]);
  const added = [...now].filter((path) => !before.has(path));
  if (added.length === 0) return;
  const shown = added.slice(0, 5).join(', ') + (added.length > 5 ? ` and ${added.length - 5} more` : '');
  throw new UserError(
    'conflict',
    `Codex created git repositories inside the worktree (${shown}); their files are not part of the diff and would be lost. ` +
      `Copy them out of ${worktree.worktreePath}, or remove their .git folders so their files become plain files, then try again; the worktree is kept until then.`,
  );
}

async function gitlinks(dir: string, treeish: string): Promise<Set<string>> {
  const listing = (await git(dir, ['ls-tree', '-r', '-z', treeish])).stdout;
  const paths = new Set<string>();
  for (const entry of listing.split('\0')) {
    // `<mode> <type> <object>\t<path>`; a gitlink is mode 160000, type commit.
    if (entry.startsWith('160000 ')) paths.add(entry.slice(entry.indexOf('\t') + 1));
  }
  return paths;
}

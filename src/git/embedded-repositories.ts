import { readdir } from 'node:fs/promises';
import path from 'node:path';
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
  const [now, before, uncommitted] = await Promise.all([
    gitlinks(worktree.worktreePath, tree),
    gitlinks(worktree.worktreePath, worktree.baseCommit),
    repositoriesWithoutCommits(worktree.worktreePath),
  ]);
  const added = [...new Set([...now, ...uncommitted])].filter((path) => !before.has(path));
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

/**
 * A repository created with `git init` and no commit yet is not even a gitlink: the
 * snapshot skips it. git lists the untracked folder that holds it (the topmost one);
 * a `.git` somewhere inside gives it away.
 */
async function repositoriesWithoutCommits(dir: string): Promise<string[]> {
  const listing = (await git(dir, ['ls-files', '--others', '--directory', '--exclude-standard', '-z'])).stdout;
  const found: string[] = [];
  for (const entry of listing.split('\0')) {
    if (entry.endsWith('/')) found.push(...(await findRepositories(dir, entry.slice(0, -1))));
  }
  return found;
}

/** Folders under `folder` (itself included) that hold a `.git`: breadth first, bounded, never into a found one. */
async function findRepositories(root: string, folder: string): Promise<string[]> {
  const found: string[] = [];
  const queue = [folder];
  for (let visited = 0; queue.length > 0 && visited < MAX_FOLDERS_SEARCHED; visited++) {
    const current = queue.shift()!;
    const entries = await readdir(path.join(root, current), { withFileTypes: true }).catch(() => []);
    if (entries.some((e) => e.name === '.git')) {
      found.push(current);
      continue;
    }
    for (const e of entries) if (e.isDirectory() && !e.isSymbolicLink()) queue.push(path.join(current, e.name));
  }
  return found;
}

/** An untracked tree this large is refused by the snapshot anyway; the search stops well before. */
const MAX_FOLDERS_SEARCHED = 5000;

import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { BRANCH_PREFIX } from './branch-name.ts';
import { git } from './git-command.ts';
import { isInsideOrSame } from './path-inside.ts';

export interface OwnWorktree {
  /** The worktree's directory as git registered it. */
  path: string;
  /** The branch without refs/heads/, e.g. codex/fix-tests-lq3x9a1b. */
  branch: string;
  head: string | null;
  /** The directory is gone (deleted by hand) but git still has it registered. */
  missing: boolean;
}

/**
 * The worktrees of `repoDir`'s repository that this tool made: on a `codex/` branch
 * and inside `worktreesRoot` (our state directory's worktrees folder). A user's own
 * worktree, even on a codex/ branch, is never listed. For a doctor check: any entry
 * whose session is gone or finished long ago is stale (the caller knows which).
 */
export async function listOwnWorktrees(repoDir: string, worktreesRoot: string): Promise<OwnWorktree[]> {
  const { stdout } = await git(repoDir, ['worktree', 'list', '--porcelain', '-z']);
  // git records real paths; the root we are given may go through a symlink (/tmp on macOS).
  const roots = [path.resolve(worktreesRoot), await realpath(worktreesRoot).catch(() => path.resolve(worktreesRoot))];
  const ours: OwnWorktree[] = [];
  for (const entry of parseWorktreeList(stdout)) {
    const inRoot = roots.some((root) => entry.path !== root && isInsideOrSame(entry.path, root));
    if (entry.branch?.startsWith(BRANCH_PREFIX) && inRoot) ours.push({ ...entry, branch: entry.branch });
  }
  return ours;
}

interface ListedWorktree {
  path: string;
  branch: string | null;
  head: string | null;
  missing: boolean;
}

/** `worktree list --porcelain -z`: "key value" fields, NUL-terminated; an empty field ends a worktree. */
export function parseWorktreeList(output: string): ListedWorktree[] {
  const worktrees: ListedWorktree[] = [];
  let current: ListedWorktree | null = null;
  for (const field of output.split('\0')) {
    if (field === '') {
      if (current) worktrees.push(current);
      current = null;
      continue;
    }
    const space = field.indexOf(' ');
    const key = space === -1 ? field : field.slice(0, space);
    const value = space === -1 ? '' : field.slice(space + 1);
    if (key === 'worktree') current = { path: value, branch: null, head: null, missing: false };
    else if (!current) continue;
    else if (key === 'HEAD') current.head = value;
    else if (key === 'branch') current.branch = value.replace(/^refs\/heads\//, '');
    else if (key === 'prunable') current.missing = true;
  }
  if (current) worktrees.push(current);
  return worktrees;
}


import { readdir, readFile, realpath, stat } from 'node:fs/promises';
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


export interface WorktreeDirectory {
  /** A worktree directory under our root: <worktreesRoot>/<session dir>/<repository name>. */
  path: string;
  /** The session directory name it sits in (the session id, as the runner names it). */
  sessionDir: string;
  /** True when the repository it belonged to is gone: git can no longer remove it, `rm -rf` can. */
  orphaned: boolean;
}

/**
 * The worktree directories under our root, seen from the disk rather than from a
 * repository: finds the ones whose repository was moved or deleted, which no
 * `git worktree list` shows any more. A doctor reports those (and directories of
 * sessions it no longer knows) as safe to delete.
 */
export async function listWorktreeDirectories(worktreesRoot: string): Promise<WorktreeDirectory[]> {
  const found: WorktreeDirectory[] = [];
  for (const session of await readdir(worktreesRoot, { withFileTypes: true }).catch(() => [])) {
    if (!session.isDirectory()) continue;
    const sessionPath = path.join(worktreesRoot, session.name);
    for (const entry of await readdir(sessionPath, { withFileTypes: true }).catch(() => [])) {
      if (!entry.isDirectory()) continue;
      const dir = path.join(sessionPath, entry.name);
      // A linked worktree's .git is a file: "gitdir: <repo>/.git/worktrees/<name>".
      const pointer = await readFile(path.join(dir, '.git'), 'utf8').catch(() => null);
      if (pointer === null) continue;
      const gitDir = /^gitdir: (.+)$/m.exec(pointer)?.[1]?.trim();
      const alive = gitDir ? Boolean(await stat(gitDir).catch(() => null)) : false;
      found.push({ path: dir, sessionDir: session.name, orphaned: !alive });
    }
  }
  return found;
}

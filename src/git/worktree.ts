import { mkdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.ts';
import { ensurePrivateDir } from '../store/state-dir.ts';
import { worktreeBranchName } from './branch-name.ts';
import { git, GitCommandError } from './git-command.ts';
import { isInsideOrSame } from './path-inside.ts';
import { requireRepository, resolveCommit } from './repository.ts';
import { refuseEmbeddedRepositories } from './embedded-repositories.ts';
import { snapshotTree } from './snapshot.ts';
import type { IsolatedWorktree } from './worktree-record.ts';

export interface CreateWorktreeOptions {
  /** The directory the user asked Codex to work in; must be inside a git work tree. */
  cwd: string;
  /** The commit-ish to start from; default: the repository's HEAD now. */
  base?: string | undefined;
  /** The session's label (readable part of the branch name) and id (unique part). */
  label: string;
  id: string;
  /** A directory of ours, outside the user's tree (e.g. <state dir>/worktrees/<session id>); created 0700. */
  parentDir: string;
}

export interface CreatedWorktree extends IsolatedWorktree {
  /** A sentence for the user when their uncommitted changes are not in the worktree, else null. */
  warning: string | null;
}

/**
 * Makes a worktree for an isolated run: a new branch `codex/<label>-<id>` at `base`,
 * checked out in `<parentDir>/<repository name>`, so Codex can change, commit and
 * test there while the user's tree, index and HEAD stay as they are.
 */
export async function createWorktree(options: CreateWorktreeOptions): Promise<CreatedWorktree> {
  const repository = await requireRepository(options.cwd);
  const root = repository.root;
  const baseCommit = await resolveBase(root, options.base, repository.head);
  const branch = worktreeBranchName(options.label, options.id);
  if ((await git(root, ['show-ref', '--verify', '--quiet', `refs/heads/${branch}`], { okExitCodes: [0, 1] })).exitCode === 0) {
    throw new UserError('conflict', `The branch ${branch} already exists in ${root}. Delete it (git branch -D ${branch}) or use another label.`);
  }
  const parentDir = path.resolve(options.parentDir);
  if (isInsideOrSame(parentDir, root) || isInsideOrSame(parentDir, await realpath(root))) {
    throw new UserError('bad_input', `The worktree directory ${parentDir} is inside the repository ${root}; it must be outside it. Use a directory under the state directory.`);
  }
  await ensurePrivateDir(parentDir);
  const worktreePath = path.join(parentDir, path.basename(root) || 'repository');
  if (await stat(worktreePath).catch(() => null)) {
    throw new UserError('conflict', `${worktreePath} already exists, so no worktree can be created there. Remove it or use another directory.`);
  }
  await git(root, ['worktree', 'add', '--quiet', '-b', branch, worktreePath, baseCommit]);
  const record: IsolatedWorktree = { repoRoot: root, worktreePath, runCwd: worktreePath, subdir: repository.subdir, branch, baseCommit };
  try {
    return await finishWorktree(record, repository.subdir);
  } catch (error) {
    // The caller never got the record, so nobody else could ever remove this worktree.
    await removeWorktree(record, 'discard').catch(() => {});
    throw error;
  }
}

async function finishWorktree(record: IsolatedWorktree, subdir: string): Promise<CreatedWorktree> {
  const { repoRoot: root, worktreePath, baseCommit } = record;
  const runCwd = path.join(worktreePath, ...subdir.split('/').filter(Boolean));
  const warnings: string[] = [];
  if (!(await stat(runCwd).catch(() => null))?.isDirectory()) {
    // The subdirectory is untracked (or ignored) in the user's tree, so the checkout lacks it.
    await mkdir(runCwd, { recursive: true });
    warnings.push(`${subdir} is not in ${shortId(baseCommit)}, so it starts empty in the worktree.`);
  }
  const dirty = await countUncommitted(root);
  if (dirty > 0) {
    warnings.push(
      `Your working tree at ${root} has uncommitted changes (${dirty} ${dirty === 1 ? 'path' : 'paths'}); the worktree starts from ${shortId(baseCommit)} and does not include them. Commit them first if Codex needs them.`,
    );
  }
  return { ...record, runCwd, warning: warnings.length ? warnings.join(' ') : null };
}

export interface RemovedWorktree {
  /** The branch when it was kept, null when it was deleted. */
  branch: string | null;
  /** A sentence for the user when something could not be saved, else null. */
  warning: string | null;
}

/**
 * `keep`: the worktree's directory goes, its branch stays with all its work: changes
 * Codex left uncommitted are first committed onto the branch (a commit object made
 * from a snapshot; nothing else is touched). `discard`: the directory and the branch
 * go, work and all. A worktree already deleted by hand is unregistered all the same.
 */
export async function removeWorktree(worktree: IsolatedWorktree, mode: 'keep' | 'discard'): Promise<RemovedWorktree> {
  await requireRepositoryExists(worktree);
  const present = await isWorktreeDirectory(worktree.worktreePath);
  let warning: string | null = null;
  if (mode === 'keep') {
    if (present) await commitLeftovers(worktree);
    else warning = `The worktree ${worktree.worktreePath} was already deleted, so only what was committed on ${worktree.branch} is kept.`;
  }
  await unregister(worktree);
  if (mode === 'discard') await deleteBranch(worktree);
  return { branch: mode === 'keep' ? worktree.branch : null, warning };
}

/** The directory exists and is still a git worktree (its .git file was not removed). */
export async function isWorktreeDirectory(dir: string): Promise<boolean> {
  if (!(await stat(path.join(dir, '.git')).catch(() => null))) return false;
  const { stdout, exitCode } = await git(dir, ['rev-parse', '--show-toplevel'], { okExitCodes: [0, 128] });
  if (exitCode !== 0) return false;
  return (await realpath(stdout.trim()).catch(() => null)) === (await realpath(dir).catch(() => dir));
}

/** Both the repository and the worktree must still exist to read or apply the worktree's work. */
export async function requireWorktree(worktree: IsolatedWorktree): Promise<void> {
  await requireRepositoryExists(worktree);
  if (!(await isWorktreeDirectory(worktree.worktreePath))) {
    throw new UserError(
      'not_found',
      `The worktree ${worktree.worktreePath} no longer exists (deleted by hand?), so its uncommitted changes are gone. Whatever was committed is still on the branch ${worktree.branch}: keep it (and merge it yourself) or discard it.`,
    );
  }
}

/** The user's repository must still exist to change its worktrees and branches. */
export async function requireRepositoryExists(worktree: IsolatedWorktree): Promise<void> {
  const alive = (await stat(worktree.repoRoot).catch(() => null))?.isDirectory() && (await git(worktree.repoRoot, ['rev-parse', '--git-dir'], { okExitCodes: [0, 128] })).exitCode === 0;
  if (!alive) {
    throw new UserError(
      'not_found',
      `The repository ${worktree.repoRoot} no longer exists (moved or deleted), so its worktree and branch ${worktree.branch} cannot be handled through git. Delete ${worktree.worktreePath} by hand if it is still there.`,
    );
  }
}

async function commitLeftovers(worktree: IsolatedWorktree): Promise<void> {
  const dir = worktree.worktreePath;
  const tree = await snapshotTree(dir);
  await refuseEmbeddedRepositories(worktree, tree);
  const head = (await git(dir, ['rev-parse', 'HEAD'])).stdout.trim();
  const headTree = (await git(dir, ['rev-parse', 'HEAD^{tree}'])).stdout.trim();
  if (tree === headTree) {
    // Codex may have committed on another branch it created: the kept branch points at its work.
    await git(worktree.repoRoot, ['update-ref', `refs/heads/${worktree.branch}`, head]);
    return;
  }
  const message = 'Uncommitted work left in the worktree (saved by codex-delegate on keep)';
  const commit = (await git(dir, ['commit-tree', tree, '-p', head, '-m', message])).stdout.trim();
  await git(worktree.repoRoot, ['update-ref', `refs/heads/${worktree.branch}`, commit]);
}

async function unregister(worktree: IsolatedWorktree): Promise<void> {
  try {
    // --force twice: also a locked worktree; git removes a registration whose directory is gone.
    await git(worktree.repoRoot, ['worktree', 'remove', '--force', '--force', worktree.worktreePath]);
  } catch (error) {
    if (error instanceof GitCommandError && /is not a working tree/.test(error.stderr)) return; // already removed
    throw error;
  }
}

async function deleteBranch(worktree: IsolatedWorktree): Promise<void> {
  const ref = `refs/heads/${worktree.branch}`;
  if ((await git(worktree.repoRoot, ['show-ref', '--verify', '--quiet', ref], { okExitCodes: [0, 1] })).exitCode !== 0) return;
  await git(worktree.repoRoot, ['branch', '-D', '--', worktree.branch]);
}

async function resolveBase(root: string, base: string | undefined, head: string | null): Promise<string> {
  if (base === undefined || base === '') {
    if (!head) throw new UserError('bad_input', `The repository ${root} has no commits yet, so there is nothing to start a worktree from. Commit once, or launch without isolation.`);
    return head;
  }
  const commit = await resolveCommit(root, base);
  if (!commit) {
    throw new UserError('bad_input', `The base "${base}" is not a commit in ${root}. Give a branch, tag or commit id that exists there (see git log / git branch), or leave base out to start from HEAD.`);
  }
  return commit;
}

/** Paths with uncommitted changes (staged, unstaged or untracked, not ignored) in the user's tree. */
async function countUncommitted(root: string): Promise<number> {
  const { stdout } = await git(root, ['status', '--porcelain=v1', '-z', '--untracked-files=all']);
  const tokens = stdout.split('\0');
  let count = 0;
  for (let i = 0; i < tokens.length; i++) {
    const entry = tokens[i];
    if (!entry) continue;
    count++;
    // A rename or copy ("R  new\0old") carries its old path as the next token.
    if (entry[0] === 'R' || entry[0] === 'C') i++;
  }
  return count;
}

function shortId(commit: string): string {
  return commit.slice(0, 12);
}

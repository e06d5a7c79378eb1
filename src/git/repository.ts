import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.ts';
import { git, GitCommandError } from './git-command.ts';

/** Where a directory sits in git: the work tree it belongs to and its place inside it. */
export interface Repository {
  /** The top of the work tree that holds `cwd` (absolute, symlinks resolved by git). */
  root: string;
  /** `cwd` relative to `root`, with '/' separators; '' at the top. */
  subdir: string;
  /** The shared .git directory (the same for every worktree of one repository). */
  commonDir: string;
  /** The commit checked out, or null in a repository with no commits yet. */
  head: string | null;
}

/**
 * The repository holding `cwd`, or null when `cwd` is not inside a git work tree
 * (a plain directory, or inside a .git directory). Every run in a repository gets
 * a diff; a run elsewhere simply has none, so "not a repository" is not an error here.
 */
export async function findRepository(cwd: string): Promise<Repository | null> {
  await requireDirectory(cwd);
  // Most runs outside a repository are answered without starting git (or loading execa into the runner).
  if (!(await mayBeInWorkTree(cwd))) return null;
  let lines: string[];
  try {
    const { stdout } = await git(cwd, ['rev-parse', '--path-format=absolute', '--show-toplevel', '--git-common-dir', '--show-prefix']);
    lines = stdout.split('\n');
  } catch (error) {
    // 128 is git's "not a git repository" (and "in a bare repository or .git dir": no work tree).
    if (error instanceof GitCommandError && error.exitCode === 128) return null;
    throw error;
  }
  const [root, commonDir, prefix] = lines;
  if (!root || !commonDir) return null;
  // A directory git ignores (a build or cache folder inside a repository) is not the repository's work:
  // a snapshot leaves ignored files out, so its diff would always be empty, and a worktree would lack it.
  if (prefix && (await git(cwd, ['check-ignore', '-q', '.'], { okExitCodes: [0, 1, 128] })).exitCode === 0) return null;
  return { root, commonDir, subdir: (prefix ?? '').replace(/\/$/, ''), head: await resolveCommit(root, 'HEAD') };
}

/**
 * False only when no directory from `cwd` up to / has a `.git` entry (directory or file): then git
 * finds no work tree either, since git-command.ts drops GIT_DIR and the other GIT_* variables that
 * could point it elsewhere. Anything else is left to git.
 */
async function mayBeInWorkTree(cwd: string): Promise<boolean> {
  let dir = await realpath(cwd).catch(() => path.resolve(cwd));
  for (;;) {
    if (await stat(path.join(dir, '.git')).then(() => true, (error: NodeJS.ErrnoException) => error.code !== 'ENOENT' && error.code !== 'ENOTDIR')) return true;
    const parent = path.dirname(dir);
    if (parent === dir) return false;
    dir = parent;
  }
}

/** The same, for isolation: a directory outside any work tree is an error the user can fix. */
export async function requireRepository(cwd: string): Promise<Repository> {
  const repository = await findRepository(cwd);
  if (!repository) {
    throw new UserError(
      'bad_input',
      `${cwd} is not inside a git work tree (or git ignores it there), so it cannot get an isolated worktree. Run \`git init\` there (and commit), pick a directory inside a repository, or launch without isolation: "worktree".`,
    );
  }
  return repository;
}

/** The full commit id a commit-ish names, or null when it names nothing (or no commit). */
export async function resolveCommit(dir: string, rev: string): Promise<string | null> {
  const { stdout, exitCode } = await git(dir, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], { okExitCodes: [0, 1, 128] });
  return exitCode === 0 ? stdout.trim() || null : null;
}

async function requireDirectory(dir: string): Promise<void> {
  if (!path.isAbsolute(dir)) throw new UserError('bad_input', `The directory ${dir} is not an absolute path. Give the full path.`);
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory()) {
    throw new UserError('not_found', `The directory ${dir} does not exist (or is not a directory). Check the path; if it was a repository, it has been moved or deleted.`);
  }
}

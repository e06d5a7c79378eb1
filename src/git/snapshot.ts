import { copyFile, mkdtemp, rm, stat, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.ts';
import { git } from './git-command.ts';
import { checkUntrackedSize, DEFAULT_MAX_UNTRACKED_BYTES } from './untracked-size.ts';

// Covers file systems that keep mtimes in whole (or two) seconds.
const RACY_MARGIN_MS = 2_000;

export interface SnapshotOptions {
  /** The most bytes of untracked, non-ignored files a snapshot may take in; default 256 MB, Infinity for no limit. */
  maxUntrackedBytes?: number;
}

/**
 * Records the whole state of a work tree as a git tree object and returns its id:
 * tracked files as they are on disk (staged or not), plus untracked files that are
 * not ignored. Two snapshots diffed give exactly what happened in between, whoever
 * wrote the files (Codex's patches or a shell command it ran).
 *
 * The user's index and HEAD are never touched: `git add -A` runs against a private
 * copy of the index (GIT_INDEX_FILE in a 0700 temp directory), so only new objects
 * land in the object database (unreferenced; git's gc keeps them two weeks).
 * Starting from a copy of the real index, not an empty one, lets git reuse its
 * cached file stats instead of re-reading every file of a large tree.
 * Untracked files past a size limit are refused (see untracked-size.ts).
 */
export async function snapshotTree(root: string, options: SnapshotOptions = {}): Promise<string> {
  if (!(await stat(root).catch(() => null))?.isDirectory()) {
    throw new UserError('not_found', `The work tree ${root} no longer exists (moved or deleted by hand?), so its state cannot be recorded. Check the path.`);
  }
  await checkUntrackedSize(root, options.maxUntrackedBytes ?? DEFAULT_MAX_UNTRACKED_BYTES);
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'codex-delegate-index-'));
  const index = path.join(scratch, 'index');
  try {
    if (await seedIndex(root, index)) {
      try {
        return await writeTreeOf(root, index);
      } catch {
        // A copied index git cannot use on its own (e.g. a split index): start over empty.
        await rm(index, { force: true });
      }
    }
    return await writeTreeOf(root, index);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function writeTreeOf(root: string, index: string): Promise<string> {
  const env = { GIT_INDEX_FILE: index };
  // advice.addEmbeddedRepo: a nested repository is recorded as a gitlink, quietly.
  // --ignore-errors (exit 1): a path git cannot add (a nested `git init` with no commit
  // yet, an unreadable file) is left out of the snapshot instead of losing the whole diff.
  await git(root, ['-c', 'advice.addEmbeddedRepo=false', 'add', '--all', '--ignore-errors', '--', ':/'], { env, okExitCodes: [0, 1] });
  const { stdout } = await git(root, ['write-tree'], { env });
  return stdout.trim();
}

/** Copies the work tree's own index to `index`; false when there is none to copy. */
async function seedIndex(root: string, index: string): Promise<boolean> {
  const { stdout } = await git(root, ['rev-parse', '--path-format=absolute', '--git-path', 'index']);
  try {
    const source = stdout.trim();
    const { atime, mtimeMs } = await stat(source);
    await copyFile(source, index);
    // Git trusts an entry's cached stat unless the file's mtime is not older than the
    // index file's own mtime ("racily clean"), and then compares content. A copy made
    // now would look newer than every file and hide an edit made in the same clock tick
    // as the last index write (same size, same mtime). Back-dating the copy a little
    // past the original only makes git re-read a few more recent files.
    await utimes(index, atime, new Date(mtimeMs - RACY_MARGIN_MS));
    return true;
  } catch {
    // No index yet (a fresh repository) or one we cannot read: start empty, only slower.
    return false;
  }
}

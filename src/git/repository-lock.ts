import { createHash } from 'node:crypto';
import path from 'node:path';
import { acquireLock } from '../store/registry-lock.ts';
import { ensurePrivateDir } from '../store/state-dir.ts';

/** An apply can take a while on a big tree; a second one into the same repository waits this long. */
const REPOSITORY_LOCK_WAIT_MS = 45_000;

/**
 * Runs `work` holding a cross-process lock for one user repository (under our
 * state directory, named by a hash of the repository's path): two applies into
 * one working tree must not snapshot and write it at the same time, or the second
 * would merge against a tree the first is rewriting.
 */
export async function withRepositoryLock<T>(locksDir: string, repoRoot: string, log: (message: string) => void, work: () => Promise<T>): Promise<T> {
  await ensurePrivateDir(locksDir);
  const name = createHash('sha256').update(path.resolve(repoRoot)).digest('hex').slice(0, 32);
  const target = path.join(locksDir, name);
  const lease = await acquireLock(target, `${target}.lock`, log, REPOSITORY_LOCK_WAIT_MS);
  try {
    return await work();
  } finally {
    await lease.release().catch(() => {});
  }
}

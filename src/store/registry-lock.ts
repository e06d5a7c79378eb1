import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { readFile, rename, rm, rmdir, stat, utimes, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../errors.ts';
import { isProcessAlive, processStartTime, processState } from '../process/liveness.ts';

/**
 * The registry's cross-process lock: proper-lockfile's atomic `mkdir` lock,
 * with an owner record inside the lock directory so that staleness is decided
 * by whether the owner still lives, not by how old the lock looks.
 *
 * proper-lockfile alone declares a lock stale when its mtime has not been
 * refreshed for `stale` ms and takes it over. A holder that is merely stopped
 * (SIGSTOP, a suspended laptop, a debugger) then wakes up and writes over the
 * new holder's work. Here a lock whose owner is alive is never taken; one whose
 * owner is gone, or that cannot be real (no owner and an mtime from the future),
 * is broken at once. A holder re-checks that the lock is still its own right
 * before it commits a write (see `assertHeld`), so a lock lost for any reason
 * means no write, never an interleaved one.
 */

export interface Lease {
  /** Throws LockLostError unless the lock directory still carries our owner record. */
  assertHeld(): Promise<void>;
  release(): Promise<void>;
}

interface OwnerRecord {
  pid: number;
  startTime: string | null;
  host: string;
  token: string;
}

/** The lock was taken away (a takeover, a deleted lock): the holder must not write; it may retry. */
export class LockLostError extends Error {
  constructor(lockPath: string, why: string) {
    super(`The registry lock ${lockPath} is no longer ours (${why}); nothing was written.`);
    this.name = 'LockLostError';
  }
}

/** Tools answer within MCP clients' 60 s limit with room to spare; writes hold the lock for milliseconds. */
export const DEFAULT_LOCK_WAIT_MS = 10_000;
/** A runner answers nobody: under a burst of launches on a loaded machine it waits longer rather than lose a write. */
export const RUNNER_LOCK_WAIT_MS = 120_000;
/** A lock without an owner record (being created, or from an older version) refreshes its mtime every 5 s. */
const OWNERLESS_STALE_MS = 10_000;
/** How far in the future an mtime may be before the lock is impossible rather than clock jitter. */
const FUTURE_SLACK_MS = 10_000;
/** proper-lockfile must never judge staleness itself: effectively never stale by age. */
const NEVER_STALE_MS = 7 * 86_400_000;

export async function acquireLock(
  target: string,
  lockPath: string,
  log: (message: string) => void,
  waitMs = DEFAULT_LOCK_WAIT_MS,
): Promise<Lease> {
  const { default: lockfile } = await import('proper-lockfile');
  const ownerFile = `${lockPath}/owner`;
  const deadline = Date.now() + waitMs;
  let compromised: string | null = null;
  for (let attempt = 0; ; attempt++) {
    try {
      const release = await lockfile.lock(target, {
        realpath: false,
        lockfilePath: lockPath,
        stale: NEVER_STALE_MS,
        update: 5000,
        retries: 0,
        onCompromised: (error) => {
          compromised = error.message;
          log(`registry lock compromised: ${error.message}`);
        },
      });
      const owner: OwnerRecord = {
        pid: process.pid,
        startTime: processStartTime(process.pid),
        host: hostname(),
        token: randomBytes(8).toString('hex'),
      };
      try {
        // Adding a file changes the directory's mtime, which proper-lockfile takes for a takeover when it
        // next refreshes the lock (a write holding it over 5 s): put the mtime back as it found it.
        const created = await stat(lockPath);
        // Not fsynced, and not atomic: after a crash the lock's owner is dead anyway, and a reader that
        // finds a half-written record judges the lock by its age, which is fresh.
        await writeFile(ownerFile, JSON.stringify(owner), { mode: 0o600 });
        await utimes(lockPath, created.atime, created.mtime);
      } catch (error) {
        await release().catch(() => {});
        // The lock directory was removed under us before we could sign it: take it again.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      return {
        async assertHeld() {
          if (compromised !== null) throw new LockLostError(lockPath, compromised);
          const current = await readOwner(ownerFile);
          if (current?.token !== owner.token) throw new LockLostError(lockPath, 'another process holds it now');
        },
        async release() {
          // proper-lockfile removes the lock with rmdir: our owner record goes first, and only if it is ours.
          const ours = (await readOwner(ownerFile))?.token === owner.token;
          if (ours) await rm(ownerFile, { force: true });
          await release().catch(async (error: Error) => {
            log(`registry unlock: ${error.message}`);
            // proper-lockfile gave the lock up (it judged it compromised) but the directory is still ours:
            // remove it, or every other writer waits for it to look stale.
            if (ours) await rmdir(lockPath).catch(() => {});
          });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    }
    const holder = await inspect(lockPath, ownerFile);
    if (holder.stale) {
      log(`breaking the registry lock ${lockPath}: ${holder.description}`);
      await breakLock(lockPath);
      continue;
    }
    if (Date.now() >= deadline) throw lockedError(lockPath, holder.description, waitMs);
    // Short waits first: a write holds the lock for a few milliseconds.
    await sleep(Math.min(100, 2 + attempt * 2) * (0.5 + Math.random()));
  }
}

async function readOwner(file: string): Promise<OwnerRecord | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<OwnerRecord>;
    if (typeof parsed.pid === 'number' && typeof parsed.token === 'string' && typeof parsed.host === 'string') {
      return { pid: parsed.pid, startTime: parsed.startTime ?? null, host: parsed.host, token: parsed.token };
    }
  } catch {
    // Missing (being created, or an older version's lock) or unreadable: judged by its age.
  }
  return undefined;
}

async function inspect(lockPath: string, ownerFile: string): Promise<{ stale: boolean; description: string }> {
  const info = await stat(lockPath).catch(() => undefined);
  if (!info) return { stale: false, description: 'released meanwhile' };
  const owner = await readOwner(ownerFile);
  const now = Date.now();
  if (owner && owner.host === hostname()) {
    if (!isProcessAlive(owner.pid, owner.startTime)) return { stale: true, description: `its owner, pid ${owner.pid}, is gone` };
    const state = processState(owner.pid);
    const stopped = state === 'T' || state === 't' ? ', which is stopped (SIGSTOP or a debugger); resume it with kill -CONT or end it' : '';
    return { stale: false, description: `held by pid ${owner.pid}${stopped}` };
  }
  const mtime = info.mtimeMs;
  if (mtime > now + FUTURE_SLACK_MS) return { stale: true, description: `its time ${new Date(mtime).toISOString()} is in the future` };
  if (mtime < now - OWNERLESS_STALE_MS) return { stale: true, description: `not refreshed since ${new Date(mtime).toISOString()}` };
  return { stale: false, description: owner ? `held by pid ${owner.pid} on ${owner.host}` : 'held by a process that did not say who it is' };
}

/**
 * Moves the stale lock aside under a unique name, then deletes it: a rename is
 * atomic, so two processes breaking the same lock never delete a fresh one
 * created in between by a third (at worst one moves that fresh lock away, and its
 * holder's assertHeld() then refuses to write).
 */
async function breakLock(lockPath: string): Promise<void> {
  const aside = `${lockPath}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(lockPath, aside);
  } catch {
    return; // Somebody else broke or released it first.
  }
  await rm(aside, { recursive: true, force: true });
}

function lockedError(lockPath: string, holder: string, waitMs: number): UserError {
  return new UserError(
    'busy',
    `The session registry is locked (${lockPath}, ${holder}) and stayed locked for ${Math.round(waitMs / 1000)} s; nothing was changed. ` +
      'Try again shortly; if it persists, end or resume the process holding it, or delete that lock directory if no codex-delegate process is running.',
  );
}

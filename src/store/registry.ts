import { readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { isProcessAlive } from '../process/liveness.ts';
import { Low } from 'lowdb';
import { UserError } from '../errors.ts';
import { Archive } from './archive.ts';
import { CorruptFileError, PrivateJsonFile } from './file-adapter.ts';
import type { Paths } from './paths.ts';
import { writePrivateFile } from './private-file.ts';
import { acquireLock, DEFAULT_LOCK_WAIT_MS, LockLostError } from './registry-lock.ts';
import { emptyData, parseRegistry, type RegistryData, type RejectedRecord } from './registry-shape.ts';
import { archiveSettled } from './archiving.ts';
import { listSessions, type Cursor, type ListFilter, type ListPage } from './session-list.ts';
import { isActive, latestTurn, type Session } from './session.ts';
import { ensurePrivateDir } from './state-dir.ts';
import { explainStorageError } from './storage-error.ts';
import { WriteQueue } from './write-queue.ts';

export type { RegistryData } from './registry-shape.ts';

export type Log = (message: string) => void;

/** Temporary files of a write this old are left by a writer that was killed: no write takes minutes. */
const DEBRIS_AGE_MS = 5 * 60_000;

/** A write whose lock was lost is redone from a fresh read; more than this means something is badly wrong. */
const LOST_LOCK_RETRIES = 3;

/**
 * The shared session registry: one JSON file written by the server and every
 * runner. Every change is lock → read → mutate → atomic write, so no update is
 * lost and no reader ever sees a torn file. Reads take no lock and write
 * nothing: the atomic rename means the file on disk is always a complete
 * version, and a reader that finds trouble (a corrupt file, a damaged record)
 * serves what it can and leaves the repair to the next writer.
 */
export class Registry {
  readonly paths: Paths;
  /** Finished sessions moved out of the live file (see archiving.ts). */
  readonly archive: Archive;
  readonly #log: Log;
  readonly #lockWaitMs: number;
  /** Last parse, reused while the file is unchanged (rename gives every write a new inode). */
  #cache: { key: string; data: RegistryData } | undefined;
  /** Records of the last parse that failed validation, by id, with the reason: for answers about them. */
  #damaged = new Map<string, string>();
  /** Trouble noticed since the last call to takeNotices(), for the next tool answer. */
  #notices: string[] = [];
  /** This process's changes, written in groups (see write-queue.ts). */
  readonly #writes = new WriteQueue<RegistryData>(
    (apply) => this.#commit(apply),
    (error) => explainStorageError(error, this.paths.home),
  );

  constructor(paths: Paths, log: Log = () => {}, options: { lockWaitMs?: number } = {}) {
    this.paths = paths;
    this.archive = new Archive(paths);
    this.#log = log;
    this.#lockWaitMs = options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS;
  }

  async init(): Promise<void> {
    await ensurePrivateDir(this.paths.home);
    await ensurePrivateDir(this.paths.sessionsDir);
  }

  /**
   * Removes what writers killed mid-write left beside the registry: staged copies
   * (`sessions.json.<pid>-<hex>.next`) of processes that are gone, and
   * write-file-atomic's temporary files older than a few minutes.
   */
  async sweepDebris(now = Date.now()): Promise<number> {
    const base = path.basename(this.paths.registry);
    let removed = 0;
    for (const name of await readdir(this.paths.home).catch(() => [] as string[])) {
      const staged = new RegExp(`^${base.replace('.', '\\.')}\\.(\\d+)-[0-9a-f]+\\.next$`).exec(name);
      const temporary = new RegExp(`^${base.replace('.', '\\.')}\\.\\d+$`).test(name);
      if (!staged && !temporary) continue;
      const file = path.join(this.paths.home, name);
      const old = now - ((await stat(file).catch(() => undefined))?.mtimeMs ?? now) > DEBRIS_AGE_MS;
      if ((staged && !isProcessAlive(Number(staged[1]), null)) || old) {
        await rm(file, { force: true });
        removed += 1;
      }
    }
    return removed;
  }

  /**
   * A consistent snapshot of the live sessions (queued, running, recently finished,
   * or with notifications still to send). Treat it as read-only: it may be shared
   * with later callers. Archived sessions are reached through getSession and listSessions.
   */
  async read(): Promise<RegistryData> {
    const key = await this.#fileKey();
    if (key === undefined) return emptyData();
    if (this.#cache?.key === key) return this.#cache.data;
    let raw: unknown;
    try {
      raw = await new PrivateJsonFile<unknown>(this.paths.registry).read();
    } catch (error) {
      if (!(error instanceof CorruptFileError)) throw explainStorageError(error, this.paths.registry);
      this.#notice(`The session registry ${this.paths.registry} is not valid JSON; no sessions can be shown until the next change moves it aside.`);
      return emptyData();
    }
    const parsed = parseRegistry(raw);
    if (parsed.kind === 'newer') throw newerVersionError(this.paths.registry, parsed.version);
    if (parsed.kind === 'wrong-shape') {
      this.#notice(`The session registry ${this.paths.registry} is not in the expected shape (${parsed.reason}); the next change moves it aside.`);
      return emptyData();
    }
    this.#damaged = new Map(parsed.rejected.map((r) => [r.key, r.reason]));
    if (parsed.rejected.length > 0) this.#notice(rejectedNotice(parsed.rejected, 'not shown; the next change moves them to a file beside the registry'));
    this.#cache = { key, data: parsed.data };
    return parsed.data;
  }

  /** A session, live or archived. The live copy wins: it is never older than an archived one. */
  async getSession(id: string): Promise<Session | undefined> {
    const sessions = (await this.read()).sessions;
    if (Object.hasOwn(sessions, id)) return sessions[id];
    if (this.#damaged.has(id)) return undefined;
    const archived = await this.archive.get(id);
    if (archived.problem) this.#damaged.set(id, `archived record: ${archived.problem}`);
    return archived.session;
  }

  /** Sessions newest first, live and archived alike, filtered and paged (session-list.ts). */
  list(filter: ListFilter, cursor: Cursor | null, limit: number): Promise<ListPage> {
    return listSessions(this, filter, cursor, limit);
  }

  /** Moves settled finished sessions beyond the most recent few to the archive (archiving.ts). */
  archiveSettled(keep?: number, batch?: number): Promise<number> {
    return archiveSettled(this, keep, batch);
  }

  /** Deletes a finished session, live or archived, with its files. Refuses (throws `refuse()`) when it runs. */
  forget(session: Session, refuse: () => Error): Promise<void> {
    return this.update(async (data) => {
      const live = data.sessions[session.id];
      if (live && isActive(latestTurn(live).status)) throw refuse();
      delete data.sessions[session.id];
      await this.archive.forget(live ?? session);
    });
  }

  /** Why the record with this id could not be read, if it was damaged. */
  damagedRecord(id: string): string | undefined {
    return this.#damaged.get(id);
  }

  /**
   * Runs `mutate` on the freshest data under the cross-process lock and persists
   * the result. `mutate` may run more than once (when the lock was lost before the
   * write): it must only change `data` and do what is safe to repeat. An async
   * `mutate` holds the lock while it works: keep that to a few quick file operations.
   * Changes this process makes meanwhile wait, and are written together after it.
   */
  update<T>(mutate: (data: RegistryData) => T | Promise<T>): Promise<T> {
    return this.#writes.enqueue(mutate);
  }

  async #commit(apply: (data: RegistryData) => Promise<RegistryData | null>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#commitOnce(apply);
      } catch (error) {
        if (error instanceof LockLostError && attempt <= LOST_LOCK_RETRIES) {
          this.#log(`${error.message} Redoing the change from a fresh read.`);
          continue;
        }
        throw explainStorageError(error, this.paths.home);
      }
    }
  }

  /** Messages about registry trouble (a file moved aside, damaged records) not yet shown to a user. */
  takeNotices(): string[] {
    const notices = this.#notices;
    this.#notices = [];
    return notices;
  }

  async #commitOnce(apply: (data: RegistryData) => Promise<RegistryData | null>): Promise<void> {
    const lease = await acquireLock(this.paths.registry, this.paths.lock, this.#log, this.#lockWaitMs);
    try {
      const db = new Low<RegistryData>(new PrivateJsonFile<RegistryData>(this.paths.registry, () => lease.assertHeld()), emptyData());
      const changed = await apply(await this.#readLocked());
      if (changed === null) return;
      db.data = changed;
      await db.write();
      this.#cache = undefined;
    } finally {
      await lease.release();
    }
  }

  /** The current data for a writer; trouble is repaired here, under the lock, and never silently. */
  async #readLocked(): Promise<RegistryData> {
    let raw: unknown;
    try {
      raw = await new PrivateJsonFile<unknown>(this.paths.registry).read();
    } catch (error) {
      if (!(error instanceof CorruptFileError)) throw error;
      await this.#moveAside('corrupt', 'is not valid JSON');
      return emptyData();
    }
    const parsed = parseRegistry(raw);
    if (parsed.kind === 'newer') throw newerVersionError(this.paths.registry, parsed.version);
    if (parsed.kind === 'wrong-shape') {
      await this.#moveAside('unrecognised', `is not in the expected shape (${parsed.reason})`);
      return emptyData();
    }
    if (parsed.rejected.length > 0) {
      // Kept whole before the registry write drops them: a damaged record is set aside, never lost.
      const file = `${this.paths.registry}.rejected-${stamp()}.json`;
      await writePrivateFile(file, JSON.stringify(Object.fromEntries(parsed.rejected.map((r) => [r.key, { reason: r.reason, record: r.raw }])), null, 2));
      this.#notice(rejectedNotice(parsed.rejected, `set aside in ${file}; the other sessions are unaffected`));
    }
    return parsed.data;
  }

  async #moveAside(kind: string, why: string): Promise<void> {
    const aside = `${this.paths.registry}.${kind}-${stamp()}`;
    await rename(this.paths.registry, aside);
    this.#notice(`The session registry ${why} and has been moved to ${aside}; sessions recorded only there are no longer listed.`);
  }

  /** Adds a message for the next tool answer (and the log), once. */
  notice(message: string): void {
    this.#notice(message);
  }

  #notice(message: string): void {
    if (this.#notices.includes(message)) return;
    this.#log(message);
    this.#notices.push(message);
  }

  async #fileKey(): Promise<string | undefined> {
    try {
      const info = await stat(this.paths.registry);
      return `${info.ino}:${info.size}:${info.mtimeMs}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw explainStorageError(error, this.paths.registry);
    }
  }
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}

function rejectedNotice(rejected: RejectedRecord[], what: string): string {
  const shown = rejected.slice(0, 5).map((r) => `${r.key} (${r.reason})`).join('; ');
  const more = rejected.length > 5 ? ` and ${rejected.length - 5} more` : '';
  const one = rejected.length === 1;
  return `${rejected.length} damaged session record${one ? '' : 's'} in the registry ${one ? 'was' : 'were'} ${what}: ${shown}${more}.`;
}

function newerVersionError(file: string, version: unknown): UserError {
  return new UserError(
    'storage',
    `The session registry ${file} was written by a newer version of codex-delegate-mcp (format ${String(version)}); this server neither reads nor changes it. Upgrade this server, or set CODEX_DELEGATE_HOME to another directory.`,
  );
}

import { rename, stat } from 'node:fs/promises';
import { Low } from 'lowdb';
import { CorruptFileError, PrivateJsonFile } from './file-adapter.ts';
import type { Paths } from './paths.ts';
import { sessionSchema, type Session } from './session.ts';
import { ensurePrivateDir } from './state-dir.ts';

export interface RegistryData {
  version: 1;
  sessions: Record<string, Session>;
}

const emptyData = (): RegistryData => ({ version: 1, sessions: {} });

/** Lock retries: short waits first (writes take milliseconds), bounded at about a minute overall. */
const LOCK_OPTIONS = {
  realpath: false,
  stale: 10_000,
  retries: { retries: 600, factor: 1.3, minTimeout: 2, maxTimeout: 100, randomize: true },
} as const;

export type Log = (message: string) => void;

/**
 * The shared session registry: one JSON file written by the server and every
 * runner. Every change is lock → read → mutate → atomic write, so no update is
 * lost and no reader ever sees a torn file. Reads take no lock: the atomic
 * rename means the file on disk is always a complete version.
 */
export class Registry {
  readonly paths: Paths;
  readonly #log: Log;
  readonly #db: Low<RegistryData>;
  /** Last parse, reused while the file is unchanged (rename gives every write a new inode). */
  #cache: { key: string; data: RegistryData } | undefined;
  /** Corruption noticed since the last call to takeNotices(), for the next tool answer. */
  #notices: string[] = [];

  constructor(paths: Paths, log: Log = () => {}) {
    this.paths = paths;
    this.#log = log;
    this.#db = new Low<RegistryData>(new PrivateJsonFile<RegistryData>(paths.registry), emptyData());
  }

  async init(): Promise<void> {
    await ensurePrivateDir(this.paths.home);
    await ensurePrivateDir(this.paths.sessionsDir);
  }

  /** A consistent snapshot. Treat it as read-only: it may be shared with later callers. */
  async read(): Promise<RegistryData> {
    const key = await this.#fileKey();
    if (key === undefined) return emptyData();
    if (this.#cache?.key === key) return this.#cache.data;
    try {
      const data = (await new PrivateJsonFile<RegistryData>(this.paths.registry).read()) ?? emptyData();
      this.#cache = { key, data: normalize(data) };
      return this.#cache.data;
    } catch (error) {
      if (!(error instanceof CorruptFileError)) throw error;
      // Moving the file aside must not race a writer: do it under the lock.
      await this.update(() => undefined);
      return this.read();
    }
  }

  async getSession(id: string): Promise<Session | undefined> {
    const raw = (await this.read()).sessions[id];
    return raw === undefined ? undefined : sessionSchema.parse(raw);
  }

  /** Runs `mutate` on the freshest data under the cross-process lock and persists the result. */
  async update<T>(mutate: (data: RegistryData) => T): Promise<T> {
    // Loaded on the first write: answering initialize and tools/list needs no lock.
    const { default: lockfile } = await import('proper-lockfile');
    const release = await lockfile.lock(this.paths.registry, {
      ...LOCK_OPTIONS,
      lockfilePath: this.paths.lock,
      onCompromised: (error) => this.#log(`registry lock compromised: ${error.message}`),
    });
    try {
      await this.#readLocked();
      const data = this.#db.data;
      const result = mutate(data);
      await this.#db.write();
      this.#cache = undefined;
      return result;
    } finally {
      await release().catch((error: Error) => this.#log(`registry unlock failed: ${error.message}`));
    }
  }

  /** Messages about registry trouble (a corrupt file moved aside) not yet shown to a user. */
  takeNotices(): string[] {
    const notices = this.#notices;
    this.#notices = [];
    return notices;
  }

  async #readLocked(): Promise<void> {
    try {
      await this.#db.read();
      this.#db.data = normalize(this.#db.data ?? emptyData());
    } catch (error) {
      if (!(error instanceof CorruptFileError)) throw error;
      const aside = `${this.paths.registry}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      await rename(this.paths.registry, aside);
      const notice = `The session registry was corrupt and has been moved to ${aside}; sessions recorded only there are no longer listed.`;
      this.#log(notice);
      this.#notices.push(notice);
      this.#db.data = emptyData();
    }
  }

  async #fileKey(): Promise<string | undefined> {
    try {
      const info = await stat(this.paths.registry);
      return `${info.ino}:${info.size}:${info.mtimeMs}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}

function normalize(data: Partial<RegistryData> | null): RegistryData {
  const sessions = data?.sessions;
  return { version: 1, sessions: sessions && typeof sessions === 'object' ? sessions : {} };
}

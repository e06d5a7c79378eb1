import { mkdir, readFile, rm } from 'node:fs/promises';
import { ArchiveIndex, indexEntryOf } from './archive-index.ts';
import type { Paths } from './paths.ts';
import { writePrivateFile } from './private-file.ts';
import { describeZodError } from './registry-shape.ts';
import { sessionSchema, type Session } from './session.ts';

/** Record files written at once while archiving: enough to overlap fsyncs, few enough for any machine. */
const WRITE_CONCURRENCY = 16;

/**
 * Finished sessions moved out of the live registry: each record in its own
 * 0600 file beside its turn files (`sessions/<id>/session.json`), listed by the
 * day-sharded ArchiveIndex. Nothing here is on the live path: the registry
 * stays as small as what is running, however much history is kept.
 */
export class Archive {
  readonly index: ArchiveIndex;
  readonly #paths: Paths;

  constructor(paths: Paths) {
    this.#paths = paths;
    this.index = new ArchiveIndex(paths.archiveIndexDir);
  }

  /**
   * Writes the records, durably. Safe to repeat and to race: a record is simply
   * written again. They are listed only once `list` adds their index lines.
   */
  async writeRecords(sessions: Session[]): Promise<void> {
    for (let i = 0; i < sessions.length; i += WRITE_CONCURRENCY) {
      await Promise.all(sessions.slice(i, i + WRITE_CONCURRENCY).map((s) => this.#writeRecord(s)));
    }
  }

  async #writeRecord(session: Session): Promise<void> {
    // Its folder normally exists (turn files); a session recorded without one still gets its record.
    await mkdir(this.#paths.sessionDir(session.id), { recursive: true, mode: 0o700 });
    await writePrivateFile(this.#paths.sessionRecord(session.id), JSON.stringify(session));
  }

  /** Adds index lines for sessions whose records are written (under the registry lock, like every index change). */
  list(sessions: Session[]): Promise<void> {
    return this.index.append(sessions.map(indexEntryOf));
  }

  /** An archived session, or undefined when there is none (or its record is damaged: `problem` says why). */
  async get(id: string): Promise<{ session?: Session; problem?: string }> {
    let text: string;
    try {
      text = await readFile(this.#paths.sessionRecord(id), 'utf8');
    } catch {
      return {};
    }
    try {
      const parsed = sessionSchema.safeParse(JSON.parse(text));
      if (parsed.success && parsed.data.id === id) return { session: parsed.data };
      return { problem: parsed.success ? 'its id does not match its folder' : describeZodError(parsed.error) };
    } catch {
      return { problem: 'its record file is not valid JSON' };
    }
  }

  /** Deletes a session's folder (its record and turn files). Under the registry lock. */
  async remove(id: string): Promise<void> {
    await rm(this.#paths.sessionDir(id), { recursive: true, force: true });
  }

  /** Forgets a session: a tombstone in the index first (it is no longer listed), then its folder. Under the registry lock. */
  async forget(session: Session): Promise<void> {
    await this.index.append([{ ...indexEntryOf(session), forgotten: true }]);
    await rm(this.#paths.sessionDir(session.id), { recursive: true, force: true });
  }
}

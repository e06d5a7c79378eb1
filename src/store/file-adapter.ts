import { randomBytes } from 'node:crypto';
import { readFile, rename, rm } from 'node:fs/promises';
import { writePrivateFile } from './private-file.ts';
import type { Adapter } from 'lowdb';

/** The registry file exists but is not JSON: somebody has to move it aside, never overwrite it. */
export class CorruptFileError extends Error {
  readonly file: string;

  constructor(file: string, cause: unknown) {
    super(`The registry file ${file} is not valid JSON.`, { cause });
    this.name = 'CorruptFileError';
    this.file = file;
  }
}

/**
 * A lowdb adapter that writes atomically with mode 0600. lowdb's own JSONFile
 * (steno) writes through one fixed temp name with the default mode, which two
 * processes can collide on; writePrivateFile (write-file-atomic) uses a unique
 * temp file per write, fsyncs and renames, and chmods regardless of umask.
 *
 * With `beforeCommit`, the new content is first written in full beside the file
 * and `beforeCommit` runs between that and the final rename: a writer that has
 * lost its lock meanwhile throws there and the file is never replaced.
 */
export class PrivateJsonFile<T> implements Adapter<T> {
  readonly #file: string;
  readonly #beforeCommit: (() => Promise<void>) | undefined;

  constructor(file: string, beforeCommit?: () => Promise<void>) {
    this.#file = file;
    this.#beforeCommit = beforeCommit;
  }

  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.#file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new CorruptFileError(this.#file, error);
    }
  }

  async write(data: T): Promise<void> {
    const text = JSON.stringify(data);
    if (!this.#beforeCommit) return writePrivateFile(this.#file, text);
    const staged = `${this.#file}.${process.pid}-${randomBytes(4).toString('hex')}.next`;
    try {
      await writePrivateFile(staged, text);
      await this.#beforeCommit();
      await rename(staged, this.#file);
    } catch (error) {
      await rm(staged, { force: true });
      throw error;
    }
  }
}

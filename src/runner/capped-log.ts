import { closeSync, constants, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';

export interface CappedLogOptions {
  /** Bytes kept from the start of the stream. */
  headBytes: number;
  /** Bytes kept from the end of the stream (held in memory, rewritten after the head). */
  tailBytes: number;
  /** The text put where the middle was cut, given how many bytes were left out. */
  marker: (cutBytes: number) => string;
  /** How often the kept tail is rewritten to the file while the stream runs. */
  flushMs?: number;
  /**
   * Every write is one whole line (JSONL): cut only between writes, so the file stays
   * valid line by line. The latest line is always kept, even when longer than tailBytes.
   */
  wholeLines?: boolean;
  log?: (message: string) => void;
}

/**
 * An append-only log of bounded size: the first `headBytes` go to the file as
 * they come, then the file ends with a marker and the latest `tailBytes`,
 * rewritten in place at most once per `flushMs`. Memory and disk stay bounded
 * whatever the producer writes, and writing never blocks on the producer: a
 * pipe drained into it is drained at full speed. A write error (disk full) is
 * logged once and the log stops growing; it never stops the caller.
 */
export class CappedLog {
  readonly #fd: number;
  readonly #options: Required<Omit<CappedLogOptions, 'log'>> & { log: (message: string) => void };
  #headEnd: number;
  #headOpen = true;
  #tail: Buffer[] = [];
  #tailSize = 0;
  #cutBytes = 0;
  #timer: NodeJS.Timeout | undefined;
  #failed = false;
  #closed = false;

  constructor(file: string, options: CappedLogOptions) {
    // Not O_APPEND: Linux appends every positional write of an O_APPEND file, and the tail is rewritten in place.
    this.#fd = openSync(file, constants.O_RDWR | constants.O_CREAT, 0o600);
    this.#options = { flushMs: 1000, wholeLines: false, log: () => {}, ...options };
    // Whatever the file already holds counts as head already written.
    this.#headEnd = fstatSync(this.#fd).size;
  }

  /** True once anything was left out. */
  get cut(): boolean {
    return this.#cutBytes > 0;
  }

  write(data: Buffer | string): void {
    if (this.#closed) return;
    let buffer = typeof data === 'string' ? Buffer.from(data) : data;
    const headRoom = this.#options.headBytes - this.#headEnd;
    if (this.#headOpen && headRoom > 0) {
      const take = this.#options.wholeLines && buffer.length > headRoom ? 0 : Math.min(headRoom, buffer.length);
      this.#writeAt(buffer.subarray(0, take), this.#headEnd);
      this.#headEnd += take;
      buffer = buffer.subarray(take);
    }
    if (buffer.length === 0) return;
    this.#headOpen = false;
    this.#tail.push(buffer);
    this.#tailSize += buffer.length;
    while (this.#tailSize > this.#options.tailBytes && !(this.#options.wholeLines && this.#tail.length === 1)) {
      const first = this.#tail[0]!;
      const excess = this.#tailSize - this.#options.tailBytes;
      const drop = this.#options.wholeLines ? first.length : Math.min(excess, first.length);
      if (drop === first.length) this.#tail.shift();
      else this.#tail[0] = first.subarray(drop);
      this.#tailSize -= drop;
      this.#cutBytes += drop;
    }
    this.#timer ??= setTimeout(() => this.flush(), this.#options.flushMs).unref();
  }

  /** Writes the marker and the kept tail after the head. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#tailSize === 0) return;
    const marker = this.#cutBytes > 0 ? Buffer.from(this.#options.marker(this.#cutBytes)) : Buffer.alloc(0);
    const rest = Buffer.concat([marker, ...this.#tail]);
    if (this.#writeAt(rest, this.#headEnd)) {
      try {
        ftruncateSync(this.#fd, this.#headEnd + rest.length);
      } catch {
        // The next flush tries again.
      }
    }
  }

  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    closeSync(this.#fd);
  }

  #writeAt(buffer: Buffer, position: number): boolean {
    if (this.#failed || buffer.length === 0) return !this.#failed;
    try {
      let done = 0;
      while (done < buffer.length) done += writeSync(this.#fd, buffer, done, buffer.length - done, position + done);
      return true;
    } catch (error) {
      this.#failed = true;
      this.#options.log(`log write failed, the log stops here: ${(error as Error).message}`);
      return false;
    }
  }
}

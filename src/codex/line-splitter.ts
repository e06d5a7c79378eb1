/** One line of Codex's stdout, or what is left of a line too long to keep. */
export type StdoutLine = { kind: 'line'; text: string } | { kind: 'cut'; bytes: number; head: string };

/**
 * Splits a byte stream into lines without ever holding more than `maxLineBytes`
 * of one line (readline buffers a whole line, so one 200 MB line costs 200 MB and
 * more). A longer line is dropped as it streams by, except its first `headBytes`,
 * and reported as `cut` with its true length; the lines after it are untouched.
 * Lines are decoded only when complete, so a UTF-8 character split across chunks
 * stays whole (a newline byte never occurs inside one).
 */
export class BoundedLineSplitter {
  readonly #maxLineBytes: number;
  readonly #headBytes: number;
  #parts: Buffer[] = [];
  #size = 0;
  #cut: { bytes: number; head: Buffer } | null = null;

  constructor(maxLineBytes: number, headBytes = 1024) {
    this.#maxLineBytes = maxLineBytes;
    this.#headBytes = Math.min(headBytes, maxLineBytes);
  }

  push(chunk: Buffer): StdoutLine[] {
    const lines: StdoutLine[] = [];
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(10, start);
      this.#append(chunk.subarray(start, newline === -1 ? chunk.length : newline));
      if (newline === -1) break;
      lines.push(this.#finish());
      start = newline + 1;
    }
    return lines;
  }

  /** The last line when the stream ended without a newline. */
  end(): StdoutLine[] {
    return this.#size > 0 || this.#cut ? [this.#finish()] : [];
  }

  #append(piece: Buffer): void {
    if (piece.length === 0) return;
    if (this.#cut) {
      this.#cut.bytes += piece.length;
      return;
    }
    if (this.#size + piece.length <= this.#maxLineBytes) {
      this.#parts.push(piece);
      this.#size += piece.length;
      return;
    }
    const kept = Buffer.concat([...this.#parts, piece.subarray(0, Math.max(0, this.#headBytes - this.#size))]);
    this.#cut = { bytes: this.#size + piece.length, head: kept.subarray(0, this.#headBytes) };
    this.#parts = [];
    this.#size = 0;
  }

  #finish(): StdoutLine {
    const cut = this.#cut;
    const text = cut ? '' : Buffer.concat(this.#parts, this.#size).toString('utf8');
    this.#parts = [];
    this.#size = 0;
    this.#cut = null;
    if (cut) return { kind: 'cut', bytes: cut.bytes, head: cut.head.toString('utf8') };
    return { kind: 'line', text: text.endsWith('\r') ? text.slice(0, -1) : text };
  }
}

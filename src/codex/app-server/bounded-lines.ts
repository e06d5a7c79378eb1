import type { Readable } from 'node:stream';

/** What is kept of a dropped line: its start and its end, enough to tell which message it was and how it ended. */
export interface DroppedLine {
  bytes: number;
  head: string;
  tail: string;
}

const KEPT_BYTES = 4096;

/**
 * Splits a byte stream into lines without ever holding more than `maxBytes`
 * of one line: a longer line is dropped (reported through `onDropped`, with its
 * first and last few KB) rather than growing the runner's memory until it is
 * killed. The last line counts even without a newline.
 */
export async function* boundedLines(stream: Readable, maxBytes: number, onDropped: (bytes: number, kept: DroppedLine) => void): AsyncGenerator<string> {
  let parts: Buffer[] = [];
  let held = 0;
  let dropping = false;
  let dropped = 0;
  let head = Buffer.alloc(0);
  let tail = Buffer.alloc(0);
  const report = () => onDropped(dropped, { bytes: dropped, head: head.toString('utf8'), tail: tail.toString('utf8') });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline === -1 ? chunk.length : newline;
      const piece = chunk.subarray(start, end);
      if (dropping) {
        dropped += piece.length;
        tail = Buffer.concat([tail, piece]).subarray(-KEPT_BYTES);
      } else if (held + piece.length > maxBytes) {
        dropping = true;
        dropped = held + piece.length;
        const whole = Buffer.concat([...parts, piece]);
        head = whole.subarray(0, KEPT_BYTES);
        tail = whole.subarray(-KEPT_BYTES);
        parts = [];
        held = 0;
      } else {
        parts.push(piece);
        held += piece.length;
      }
      if (newline === -1) break;
      if (dropping) report();
      else yield Buffer.concat(parts).toString('utf8');
      parts = [];
      held = 0;
      dropping = false;
      dropped = 0;
      start = newline + 1;
    }
  }
  if (dropping) report();
  else if (held > 0) yield Buffer.concat(parts).toString('utf8');
}

import type { Readable } from 'node:stream';

/**
 * Splits a byte stream into lines without ever holding more than `maxBytes`
 * of one line: a longer line is dropped (reported through `onDropped`) rather
 * than growing the runner's memory until it is killed. The last line counts
 * even without a newline.
 */
export async function* boundedLines(stream: Readable, maxBytes: number, onDropped: (bytes: number) => void): AsyncGenerator<string> {
  let parts: Buffer[] = [];
  let held = 0;
  let dropping = false;
  let dropped = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline === -1 ? chunk.length : newline;
      const piece = chunk.subarray(start, end);
      if (dropping) {
        dropped += piece.length;
      } else if (held + piece.length > maxBytes) {
        dropping = true;
        dropped = held + piece.length;
        parts = [];
        held = 0;
      } else {
        parts.push(piece);
        held += piece.length;
      }
      if (newline === -1) break;
      if (dropping) onDropped(dropped);
      else yield Buffer.concat(parts).toString('utf8');
      parts = [];
      held = 0;
      dropping = false;
      dropped = 0;
      start = newline + 1;
    }
  }
  if (dropping) onDropped(dropped);
  else if (held > 0) yield Buffer.concat(parts).toString('utf8');
}

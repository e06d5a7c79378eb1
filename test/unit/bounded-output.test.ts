import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { BoundedLineSplitter, type StdoutLine } from '../../src/codex/line-splitter.ts';
import { CappedLog } from '../../src/runner/capped-log.ts';
import { tempDir } from '../support/harness.ts';

function split(chunks: (string | Buffer)[], max = 16): StdoutLine[] {
  const splitter = new BoundedLineSplitter(max, 4);
  return [...chunks.flatMap((chunk) => splitter.push(Buffer.from(chunk))), ...splitter.end()];
}

describe('BoundedLineSplitter', () => {
  test('lines across chunks, CRLF, and a last line without a newline', () => {
    assert.deepEqual(split(['{"a"', ':1}\r\n{"b":2}\n', 'tail']), [
      { kind: 'line', text: '{"a":1}' },
      { kind: 'line', text: '{"b":2}' },
      { kind: 'line', text: 'tail' },
    ]);
  });

  test('a line over the limit is reported with its length and head; the next lines are untouched', () => {
    const long = 'L'.repeat(100);
    assert.deepEqual(split(['ok\n', long.slice(0, 10), long.slice(10), '\nafter\n']), [
      { kind: 'line', text: 'ok' },
      { kind: 'cut', bytes: 100, head: 'LLLL' },
      { kind: 'line', text: 'after' },
    ]);
  });

  test('a multi-byte character split between chunks stays whole', () => {
    const bytes = Buffer.from('é\n');
    assert.deepEqual(split([bytes.subarray(0, 1), bytes.subarray(1)]), [{ kind: 'line', text: 'é' }]);
  });

  test('memory: a 64 MB line streamed through a 1 MB limit holds at most the limit', () => {
    const splitter = new BoundedLineSplitter(1024 * 1024);
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const before = process.memoryUsage().arrayBuffers;
    let peak = 0;
    for (let i = 0; i < 1024; i++) {
      splitter.push(chunk);
      peak = Math.max(peak, process.memoryUsage().arrayBuffers - before);
    }
    assert.deepEqual(splitter.push(Buffer.from('\n')), [{ kind: 'cut', bytes: 64 * 1024 * 1024, head: 'x'.repeat(1024) }]);
    assert.ok(peak < 8 * 1024 * 1024, `peak ${peak}`);
  });
});

describe('CappedLog', () => {
  const marker = (bytes: number) => `[${bytes} cut]`;

  test('under the cap everything is kept as written', async () => {
    const file = path.join(await tempDir('capped'), 'log');
    const log = new CappedLog(file, { headBytes: 10, tailBytes: 10, marker });
    log.write('0123456789');
    log.write('abcde');
    log.close();
    assert.equal(await readFile(file, 'utf8'), '0123456789abcde');
  });

  test('over the cap: the head, a marker with how much was cut, and the latest tail', async () => {
    const file = path.join(await tempDir('capped'), 'log');
    const log = new CappedLog(file, { headBytes: 4, tailBytes: 6, marker, flushMs: 10_000 });
    for (let i = 0; i < 100; i++) log.write(`${i % 10}`);
    log.flush();
    assert.equal(await readFile(file, 'utf8'), '0123[90 cut]456789');
    log.write('ab');
    log.close();
    assert.equal(await readFile(file, 'utf8'), '0123[92 cut]6789ab');
  });

  test('appends after what the file already holds', async () => {
    const file = path.join(await tempDir('capped'), 'log');
    await writeFile(file, 'old\n');
    const log = new CappedLog(file, { headBytes: 100, tailBytes: 10, marker });
    log.write('new\n');
    log.close();
    assert.equal(await readFile(file, 'utf8'), 'old\nnew\n');
  });
});

describe('CappedLog of whole lines (events.jsonl)', () => {
  test('cuts only between lines, so every line of the file stays a whole line', async () => {
    const file = path.join(await tempDir('capped'), 'log');
    const log = new CappedLog(file, { headBytes: 10, tailBytes: 12, marker: (bytes) => `{"cut":${bytes}}\n`, wholeLines: true, flushMs: 10_000 });
    for (const line of ['aaaa', 'bbbb', 'cccc', 'dddd', 'eeee', 'ffff']) log.write(`${line}\n`);
    log.close();
    assert.equal(await readFile(file, 'utf8'), 'aaaa\nbbbb\n{"cut":10}\neeee\nffff\n');
  });

  test('the latest line is kept even when longer than the tail', async () => {
    const file = path.join(await tempDir('capped'), 'log');
    const log = new CappedLog(file, { headBytes: 3, tailBytes: 4, marker: (bytes) => `[${bytes}]\n`, wholeLines: true });
    log.write('first line\n');
    log.write('second line\n');
    log.close();
    assert.equal(await readFile(file, 'utf8'), '[11]\nsecond line\n');
  });
});

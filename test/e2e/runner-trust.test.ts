import assert from 'node:assert/strict';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { createWorld, ROOT } from '../support/harness.ts';
import { isFinished, startClient } from '../support/mcp-client.ts';
import { writeCodexHome } from '../support/mock-model.ts';
import { readSessionRecord, waitUntil } from '../support/processes.ts';

const MB = 1024 * 1024;

/** The peak resident memory (VmHWM) of a turn's runner, read while it lives. */
async function runnerPeakRss(stateDir: string, sessionId: string, finished: () => Promise<boolean>): Promise<number> {
  let pid: number | undefined;
  let peak = 0;
  await waitUntil(async () => (pid = (await readSessionRecord(stateDir, sessionId)).turns[0].runner?.pid) !== undefined, 20_000, 'the runner');
  while (!(await finished())) {
    try {
      const kb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      peak = Math.max(peak, kb * 1024);
    } catch {
      break; // The runner is gone.
    }
    await sleep(25);
  }
  return peak;
}

describe('a Codex that keeps retrying looks stuck, not healthy', { concurrency: 1 }, () => {
  test('Reconnecting… events show as activity and lastError, and do not move lastEventAt', async () => {
    const world = await createWorld();
    // This test needs Codex's own retries (the shared CODEX_HOME turns them off).
    await writeCodexHome(world.codexHome, world.model.url, { retries: 5 });
    const client = await startClient(world.env);
    try {
      const launched = await client.ok('codex_launch', { prompt: '@http 503 upstream overloaded' });
      let first: any;
      await waitUntil(async () => /^reconnecting \(2\/5\)/.test((first = await client.ok('codex_status', { sessionId: launched.sessionId })).activity), 30_000, 'the second reconnect');
      assert.equal(first.status, 'running');
      assert.equal(first.activity, 'reconnecting (2/5): unexpected status 503 Service Unavailable: upstream overloaded, url: ' + `${world.model.url}/responses`);
      assert.match(first.lastError, /^Reconnecting\.\.\. 2\/5 \(unexpected status 503/);
      let later: any;
      await waitUntil(async () => /^reconnecting \(4\/5\)/.test((later = await client.ok('codex_status', { sessionId: launched.sessionId })).activity), 30_000, 'the fourth reconnect');
      // Retries are no sign of life: the last event that counts is still the one before them.
      assert.equal(later.lastEventAt, first.lastEventAt);
      assert.ok(Date.parse(later.lastEventAt) < Date.now() - 2000, `lastEventAt ${later.lastEventAt} stayed put`);
      const done = await client.waitFor(launched.sessionId, isFinished, 60_000);
      assert.equal(done.status, 'failed');
      assert.match(done.error, /503 Service Unavailable: upstream overloaded/);
    } finally {
      await client.close();
      await world.close();
    }
  });
});

describe('whatever Codex prints, the runner keeps a bounded amount', { concurrency: 1 }, () => {
  test('a 30 MB answer line: runner memory stays bounded, the line is cut in events.jsonl, the answer comes whole from -o', async (t) => {
    // The exec engine's -o file: app-server has no such file, and a 30 MB line is more than the runner reads.
    const world = await createWorld({ CODEX_DELEGATE_ENGINE: 'exec' });
    const client = await startClient(world.env);
    try {
      const size = 30_000_000;
      const launched = await client.ok('codex_launch', { prompt: `@big ${size}`, sandbox: 'read-only' });
      const peak = await runnerPeakRss(world.stateDir, launched.sessionId, async () => isFinished((await readSessionRecord(world.stateDir, launched.sessionId)).turns[0].status));
      const status = await client.waitFor(launched.sessionId, isFinished, 120_000);
      assert.equal(status.status, 'succeeded', status.error);
      assert.equal(status.resultChars, size);
      t.diagnostic(`runner peak RSS ${Math.round(peak / MB)} MB`);
      // 278 MB before the runner bounded its lines (readline held the whole line, then JSON.parse a copy).
      // Now: Node and the modules (~80 MB), at most one 8 MiB line, and the answer file read once at
      // the end for the final message (30 MB here; messages.ts needs the text's length): ~125-140 MB.
      assert.ok(peak > 0 && peak < 180 * MB, `runner peak RSS ${Math.round(peak / MB)} MB`);
      const events = path.join(world.stateDir, 'sessions', launched.sessionId, 'turn-1.events.jsonl');
      assert.ok((await stat(events)).size < 1 * MB, 'the over-long line is not kept');
      const lines = (await readFile(events, 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
      const cut = lines.find((event) => event.type === 'codex-delegate.line_cut');
      assert.ok(cut && cut.bytes > size, 'a marker says where the line was cut and how long it was');
      assert.equal(lines.at(-1).type, 'turn.completed', 'lines after the cut one are still read');
      const page = await client.ok('codex_result', { sessionId: launched.sessionId, offset: size - 10 });
      assert.equal(page.totalChars, size);
    } finally {
      await client.close();
      await world.close();
    }
  });

  test('12 MB of command events and a flood of stderr: events.jsonl and stderr.log are capped with a marker, the turn still completes', async () => {
    // RUST_LOG=trace makes the real Codex log every request and response on stderr.
    const world = await createWorld({ RUST_LOG: 'trace' });
    const client = await startClient(world.env);
    try {
      // Codex keeps about 1 MB of each command's output in its command_execution event: 12 MB in all.
      const runs = 'abcdefghijkl'.split('').map((letter) => `@run yes ${letter.repeat(9)} | head -c 2000000`);
      const launched = await client.ok('codex_launch', { prompt: [...runs, '@reply printed a lot'].join('\n'), sandbox: 'read-only' });
      const status = await client.waitFor(launched.sessionId, isFinished, 120_000);
      assert.equal(status.status, 'succeeded', status.error);
      assert.equal(status.counters.commands, 12);
      const dir = path.join(world.stateDir, 'sessions', launched.sessionId);
      const events = await readFile(path.join(dir, 'turn-1.events.jsonl'), 'utf8');
      assert.ok(events.length <= 10 * MB + 4096, `events.jsonl is ${events.length} bytes`);
      assert.ok(events.includes('"type":"codex-delegate.cut"'), 'a marker says where events were left out');
      const lines = events.trim().split('\n').map((line) => JSON.parse(line)); // every line is still a whole JSON line
      assert.ok(['turn.completed', 'turn/completed'].includes(lines.at(-1).type ?? lines.at(-1).method), 'the latest events are kept');
      const stderr = await readFile(path.join(dir, 'turn-1.stderr.log'), 'utf8');
      assert.ok(stderr.length <= 512 * 1024 + 4096, `stderr.log is ${stderr.length} bytes`);
      assert.ok(/\[codex-delegate: \d+ bytes of stderr cut here/.test(stderr), 'a marker says where stderr was cut');
    } finally {
      await client.close();
      await world.close();
    }
  });
});

describe('what the runner logs about Codex stdout is bounded too', { concurrency: 1 }, () => {
  test('200,000 lines that are not events: the turn goes on and runner.log stays small', async () => {
    // A stand-in for Codex, acceptable here only because this tests the runner's parsing of
    // stdout, not Codex: it prints garbage, then the events of a normal turn (exec's, so the exec engine).
    const world = await createWorld({ CODEX_DELEGATE_ENGINE: 'exec' });
    const fake = path.join(world.root, 'codex-printing-garbage');
    const events = [
      { type: 'thread.started', thread_id: '00000000-0000-0000-0000-000000000000' },
      { type: 'turn.started' },
      { type: 'item.completed', item: { id: 'item_0', type: 'agent_message', text: 'after the garbage' } },
      { type: 'turn.completed', usage: { input_tokens: 1, cached_input_tokens: 0, output_tokens: 1 } },
    ].map((event) => JSON.stringify(event));
    await writeFile(fake, `#!/bin/sh\ncat > /dev/null\nyes 'this is not an event' | head -n 200000\nprintf '%s\\n' '${events.join("' '")}'\n`);
    await chmod(fake, 0o755);
    const client = await startClient({ ...world.env, CODEX_BIN: fake });
    try {
      const launched = await client.ok('codex_launch', { prompt: 'anything', sandbox: 'read-only' });
      const status = await client.waitFor(launched.sessionId, isFinished, 60_000);
      assert.equal(status.status, 'succeeded', status.error);
      assert.equal((await client.ok('codex_result', { sessionId: launched.sessionId })).text, 'after the garbage');
      const runnerLog = await readFile(path.join(world.stateDir, 'sessions', launched.sessionId, 'turn-1.runner.log'), 'utf8');
      assert.ok(runnerLog.length < 16 * 1024, `runner.log is ${runnerLog.length} bytes`);
      assert.match(runnerLog, /200000 stdout lines were not events/);
    } finally {
      await client.close();
      await world.close();
    }
  });
});

describe('a cut answer says it is cut', { concurrency: 1 }, () => {
  // A full disk for Codex, emulated by a file size limit (RLIMIT_FSIZE) on Codex alone: its
  // writes past it fail with EFBIG as they would with ENOSPC. The wrapper runs the real Codex
  // binary with SIGXFSZ ignored (the spawn resets it to "kill"), so Codex gets the error
  // instead of a signal. The runner cannot be put under the same limit: write-file-atomic's
  // signal-exit turns SIGXFSZ back into a kill. When the runner's own write fails too, the
  // turn records how much was kept: test/unit/answer-check.test.ts.
  const native = path.join(ROOT, 'node_modules', '@openai', 'codex-linux-x64', 'vendor', 'x86_64-unknown-linux-musl', 'bin', 'codex');
  const size = 3_000_000;

  async function wrapper(dir: string, limitBlocks: number): Promise<string> {
    const file = path.join(dir, 'codex-on-a-full-disk');
    await writeFile(file, `#!/bin/sh\ntrap '' XFSZ\nulimit -f ${limitBlocks}\nexec '${native}' "$@"\n`);
    await chmod(file, 0o755);
    return file;
  }

  test('Codex cannot write its -o file but the runner can: the runner stores the whole answer', { skip: process.platform !== 'linux' }, async () => {
    const world = await createWorld();
    // 2048 blocks of 512 bytes (dash): 1 MiB per file, for Codex only.
    const client = await startClient({ ...world.env, CODEX_BIN: await wrapper(world.root, 2048) });
    try {
      const launched = await client.ok('codex_launch', { prompt: `@big ${size}`, sandbox: 'read-only' });
      const status = await client.waitFor(launched.sessionId, isFinished, 120_000);
      assert.equal(status.resultChars, size);
      const page = await client.ok('codex_result', { sessionId: launched.sessionId, offset: size - 100 });
      assert.equal(page.totalChars, size);
    } finally {
      await client.close();
      await world.close();
    }
  });
});

// Drives the real `codex exec` binary against test/support/mock-model.ts.
// Set UPDATE_CODEX_FIXTURES=1 to rewrite test/fixtures/codex-events/*.jsonl
// from these runs (exact stdout of Codex).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MOCK_ENV, startMockModel, writeCodexHome } from '../support/mock-model.ts';
import type { MockModel } from '../support/mock-model.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const codexBin = path.join(root, 'node_modules/.bin/codex');
// Not /tmp: Codex refuses to create its helper binaries under a temp dir.
const tmpBase = path.join(root, '.cache/tmp');
const fixturesDir = path.join(root, 'test/fixtures/codex-events');

type CodexEvent = { type: string; thread_id?: string; item?: Record<string, unknown>; [k: string]: unknown };
interface Run { code: number | null; signal: NodeJS.Signals | null; events: CodexEvent[]; stdout: string; stderr: string; ms: number }

let mock: MockModel;
let dir: string;

interface RunOptions { args?: string[]; resume?: string; model?: string; fixture?: string; onEvent?: (e: CodexEvent, kill: () => void) => void }

async function codex(prompt: string, opts: RunOptions = {}): Promise<Run> {
  const home = path.join(dir, 'home');
  await writeCodexHome(home, mock.url, opts.model ? { model: opts.model } : {});
  const sandbox = opts.resume ? 'read-only' : 'workspace-write';
  const tail = opts.resume ? ['resume', opts.resume, '-'] : ['-'];
  const args = ['exec', '--json', '--skip-git-repo-check', '-C', path.join(dir, 'work'), '-s', sandbox, ...(opts.args ?? []), ...tail];
  const started = Date.now();
  const child = spawn(codexBin, args, { env: { ...process.env, CODEX_HOME: home, ...MOCK_ENV }, stdio: 'pipe' });
  child.stdin.end(prompt);
  let stdout = '';
  let stderr = '';
  let pending = '';
  const events: CodexEvent[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines.filter(Boolean)) {
      const event = JSON.parse(line) as CodexEvent;
      events.push(event);
      opts.onEvent?.(event, () => child.kill('SIGTERM'));
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
  if (opts.fixture && process.env.UPDATE_CODEX_FIXTURES) {
    await mkdir(fixturesDir, { recursive: true });
    await writeFile(path.join(fixturesDir, `${opts.fixture}.jsonl`), stdout);
  }
  return { code, signal, events, stdout, stderr, ms: Date.now() - started };
}

const items = (run: Run, type: string): Record<string, unknown>[] =>
  run.events.filter((e) => e.type === 'item.completed' && e.item?.type === type).map((e) => e.item ?? {});
const lastAnswer = (run: Run): unknown => items(run, 'agent_message').at(-1)?.text;
const userTexts = (input: unknown[] = []): string[] =>
  (input as { type?: string; role?: string; content?: { text?: string }[] }[])
    .filter((i) => i.type === 'message')
    .map((i) => `${i.role ?? ''}: ${(i.content ?? []).map((c) => c.text ?? '').join('')}`);

describe('mock model + real codex exec', { concurrency: 1 }, () => {
  before(async () => {
    mock = await startMockModel();
  });
  after(async () => {
    await mock.close();
  });

  test.beforeEach(async () => {
    await mkdir(tmpBase, { recursive: true });
    dir = await mkdtemp(path.join(tmpBase, 'mock-model-'));
    await mkdir(path.join(dir, 'work'));
  });
  test.afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('plain answer: agent_message + turn.completed with usage', async () => {
    const run = await codex('Say hello', { fixture: 'plain' });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.events[0]?.type, 'thread.started');
    assert.equal(lastAnswer(run), 'Mock answer: Say hello');
    const done = run.events.at(-1);
    assert.equal(done?.type, 'turn.completed');
    assert.deepEqual(done?.usage, { input_tokens: 100, cached_input_tokens: 0, cache_write_input_tokens: 0, output_tokens: 20, reasoning_output_tokens: 0 });
  });

  test('@run: command_execution item, then the final answer', async () => {
    const run = await codex('List it\n@run echo hello-from-run', { fixture: 'run' });
    assert.equal(run.code, 0, run.stderr);
    const [cmd] = items(run, 'command_execution');
    assert.equal(cmd?.exit_code, 0);
    assert.equal(cmd?.status, 'completed');
    assert.equal(cmd?.aggregated_output, 'hello-from-run\n');
    assert.match(String(cmd?.command), /echo hello-from-run/);
    assert.equal(lastAnswer(run), 'Ran: echo hello-from-run\nhello-from-run');
    const exec = mock.requests.at(-2)?.tools?.find((t) => t.name === 'exec_command');
    assert.ok(exec, 'Codex offers exec_command');
  });

  test('@write creates the file in the workspace', async () => {
    const run = await codex("Write a note\n@write note.txt it's written", { fixture: 'write' });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(items(run, 'command_execution')[0]?.exit_code, 0);
    assert.equal(await readFile(path.join(dir, 'work/note.txt'), 'utf8'), "it's written");
  });

  test('@patch with a catalog model: apply_patch produces file_change', async () => {
    const run = await codex('Add a file\n@patch hello.txt Hello patch', { model: 'gpt-5.5', fixture: 'patch' });
    assert.equal(run.code, 0, run.stderr);
    const [change] = items(run, 'file_change');
    assert.deepEqual(change?.changes, [{ path: path.join(dir, 'work/hello.txt'), kind: 'add' }]);
    assert.equal(await readFile(path.join(dir, 'work/hello.txt'), 'utf8'), 'Hello patch\n');
  });

  test('@fail: turn.failed with the message, exit code 1', async () => {
    const run = await codex('Break\n@fail the mock refused this', { fixture: 'fail' });
    assert.equal(run.code, 1);
    const failed = run.events.find((e) => e.type === 'turn.failed') as { error?: { message?: string } } | undefined;
    assert.match(failed?.error?.message ?? '', /the mock refused this/);
  });

  test('@usage-limit: turn.failed with the usage-limit text', async () => {
    const run = await codex('Limit\n@usage-limit', { fixture: 'usage-limit' });
    assert.equal(run.code, 1);
    const failed = run.events.find((e) => e.type === 'turn.failed') as { error?: { message?: string } } | undefined;
    assert.match(failed?.error?.message ?? '', /hit your usage limit/);
  });

  test('@events: many events from one request', async () => {
    const run = await codex('Busy\n@events 50', { fixture: 'events' });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.events.length >= 50, `got ${run.events.length} events`);
  });

  test('@sleep + SIGTERM after thread.started: exits quickly', async () => {
    let killedAt = 0;
    const run = await codex('Wait\n@sleep 30000', {
      fixture: 'sigterm',
      onEvent: (e, kill) => {
        if (e.type !== 'thread.started') return;
        // Kill once the request is parked in the mock's sleep.
        const poll = setInterval(() => {
          if (!mock.requests.some((r) => userTexts(r.input).some((t) => t.includes('@sleep 30000')))) return;
          clearInterval(poll);
          killedAt = Date.now();
          kill();
        }, 10);
      },
    });
    assert.ok(killedAt > 0);
    assert.ok(run.signal === 'SIGTERM' || run.code !== 0, `code ${run.code} signal ${run.signal}`);
    assert.ok(run.ms < 5000, `took ${run.ms} ms`);
    if (process.env.UPDATE_CODEX_FIXTURES) console.log('sigterm', run.code, run.signal, Date.now() - killedAt, 'ms after kill');
    assert.equal(run.events.some((e) => e.type === 'turn.completed' || e.type === 'turn.failed'), false);
  });

  test('resume: the second request carries the first turn', async () => {
    const first = await codex('Remember the word kiwi\n@reply Noted: kiwi', { fixture: 'resume-first' });
    assert.equal(first.code, 0, first.stderr);
    const threadId = first.events[0]?.thread_id;
    assert.ok(threadId);
    const second = await codex('Which word?\n@reply It was kiwi', { resume: threadId, fixture: 'resume' });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.events[0]?.thread_id, threadId);
    assert.equal(lastAnswer(second), 'It was kiwi');
    const texts = userTexts(mock.requests.at(-1)?.input);
    assert.ok(texts.includes('user: Remember the word kiwi\n@reply Noted: kiwi'), texts.join('\n'));
    assert.ok(texts.includes('assistant: Noted: kiwi'));
    assert.equal(texts.at(-1), 'user: Which word?\n@reply It was kiwi');
  });
});

// Drives the real `codex app-server` through src/codex/app-server/engine.ts
// against test/support/mock-model.ts. Set UPDATE_APP_SERVER_FIXTURES=1 to
// rewrite test/fixtures/app-server/*.jsonl (the lines the server sent) from
// these runs; test/unit/fold-app-server.test.ts replays them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startAppServerTurn, type AppServerTurnOptions } from '../../src/codex/app-server/engine.ts';
import type { EngineEvent, EngineExit, EngineTurn } from '../../src/codex/engine.ts';
import type { Progress } from '../../src/codex/fold-events.ts';
import { CODEX_BIN, ROOT, createWorld, type World } from '../support/harness.ts';
import { isAlive, processesWith, waitUntil } from '../support/processes.ts';

const FIXTURES = path.join(ROOT, 'test/fixtures/app-server');

let world: World;
let runs = 0;

interface Run {
  progress: Progress;
  exit: EngineExit;
  events: EngineEvent[];
  pid: number | undefined;
}

async function runTurn(
  prompt: string,
  options: Partial<AppServerTurnOptions> & { fixture?: string; onEvent?: (event: EngineEvent, turn: EngineTurn) => void | Promise<void> } = {},
): Promise<Run> {
  const stderrFile = path.join(world.root, `stderr-${++runs}.log`);
  await writeFile(stderrFile, '', { mode: 0o600 });
  const turn = startAppServerTurn({
    bin: CODEX_BIN,
    cwd: world.workspace,
    env: world.env,
    sandbox: 'workspace-write',
    model: null,
    reasoningEffort: null,
    approvals: 'never',
    threadId: null,
    prompt,
    stderrFile,
    log: (message) => console.error(`engine: ${message}`),
    ...options,
  });
  const events: EngineEvent[] = [];
  let progress: Progress | undefined;
  for await (const event of turn.events) {
    events.push(event);
    progress = event.progress;
    await options.onEvent?.(event, turn);
  }
  const exit = await turn.exited;
  if (options.fixture && process.env.UPDATE_APP_SERVER_FIXTURES) {
    await mkdir(FIXTURES, { recursive: true });
    // The world's temporary path would change the fixtures on every capture.
    const lines = events.flatMap((event) => (event.line === null ? [] : [event.line.replaceAll(world.root, '/world')]));
    await writeFile(path.join(FIXTURES, `${options.fixture}.jsonl`), `${lines.join('\n')}\n`);
  }
  assert.ok(progress, 'the engine produced no event');
  return { progress, exit, events, pid: turn.pid };
}

const userTexts = (request: { input?: { type?: string; role?: string; content?: { text?: string }[] }[] } | undefined): string[] =>
  (request?.input ?? []).filter((i) => i.type === 'message').map((i) => `${i.role}: ${(i.content ?? []).map((c) => c.text ?? '').join('')}`);

describe('app-server engine + real codex app-server', { concurrency: 1, timeout: 120_000 }, () => {
  before(async () => {
    world = await createWorld();
  });
  after(async () => {
    await world.close();
  });

  test('a plain answer: completed, the answer, the turn usage, exit 0 and no process left', async () => {
    const run = await runTurn('Say hello', { fixture: 'plain' });
    assert.equal(run.progress.completed, true);
    assert.equal(run.progress.failure, null);
    assert.equal(run.progress.lastMessage, 'Mock answer: Say hello');
    assert.match(run.progress.threadId ?? '', /^[0-9a-f-]{36}$/);
    assert.deepEqual(run.progress.usage, { inputTokens: 100, cachedInputTokens: 0, cacheWriteInputTokens: 0, outputTokens: 20, reasoningOutputTokens: 0 });
    assert.equal(run.progress.counters.errors, 0, 'the model-metadata warning is no error');
    assert.equal(run.progress.activity, 'done');
    assert.deepEqual(run.exit, { exitCode: 0, signal: null, spawnError: null });
    assert.equal(isAlive(run.pid!), false);
    assert.ok(run.events.some((event) => event.transition && event.progress.threadId !== null), 'the thread id is a transition');
  });

  test('a command is recorded without its shell wrapper, with its exit code', async () => {
    const run = await runTurn('@run echo hi', { fixture: 'run' });
    assert.equal(run.progress.completed, true);
    assert.deepEqual(run.progress.commands, [{ command: 'echo hi', exitCode: 0 }]);
    assert.equal(run.progress.counters.commands, 1);
    assert.ok(run.events.some((event) => event.progress.activity === 'running: echo hi'));
    assert.match(run.progress.lastMessage ?? '', /^Ran: echo hi\n(.*\n)*hi$/);
    assert.deepEqual(run.progress.usage, { inputTokens: 200, cachedInputTokens: 0, cacheWriteInputTokens: 0, outputTokens: 40, reasoningOutputTokens: 0 });
  });

  test('resume in a new process: the second turn sees the first, keeps workspace-write, and counts only its own usage', async () => {
    const first = await runTurn('@reply first-answer-7', { fixture: 'resume-first' });
    const threadId = first.progress.threadId;
    assert.ok(threadId);
    const before = world.model.requests.length;
    const second = await runTurn(`@write resumed.txt written-after-resume`, { threadId, fixture: 'resume' });
    assert.equal(second.progress.completed, true, second.progress.failure ?? '');
    assert.equal(second.progress.threadId, threadId);
    const seen = userTexts(world.model.requests[before]).concat(
      (world.model.requests[before]?.input ?? []).filter((i) => i.role === 'assistant').map((i) => `assistant: ${(i.content ?? []).map((c) => c.text).join('')}`),
    );
    assert.ok(seen.some((text) => text.includes('@reply first-answer-7')), `the first prompt is in the history: ${seen.join(' | ')}`);
    assert.ok(seen.some((text) => text === 'assistant: first-answer-7'), 'the first answer is in the history');
    // A bare resume would have fallen back to read-only and the write would have failed.
    assert.equal(existsSync(path.join(world.workspace, 'resumed.txt')), true, 'the resumed turn could write in the workspace');
    // The thread total is now 100/20 + 200/40; the turn's own share is 200/40.
    assert.deepEqual(second.progress.usage, { inputTokens: 200, cachedInputTokens: 0, cacheWriteInputTokens: 0, outputTokens: 40, reasoningOutputTokens: 0 });
  });

  test('resume of an unknown thread fails with a sentence naming it', async () => {
    const threadId = '01a234c1-0000-7000-8000-000000000000';
    const run = await runTurn('hello again', { threadId });
    assert.equal(run.progress.completed, false);
    assert.match(run.progress.failure ?? '', /Codex could not resume thread 01a234c1-0000-7000-8000-000000000000: .*no rollout found/);
    assert.equal(run.exit.exitCode, 0);
  });

  test('steer: text sent while the turn runs reaches the model in the same turn', async () => {
    let steered: Promise<void> | undefined;
    const run = await runTurn('@busy 1500', {
      fixture: 'steer',
      onEvent(event, turn) {
        if (!steered && event.progress.activity.startsWith('running: sleep')) steered = turn.steer('please also say BANANA');
      },
    });
    assert.ok(steered, 'the busy turn ran a command');
    await steered;
    assert.equal(run.progress.completed, true, run.progress.failure ?? '');
    assert.match(run.progress.lastMessage ?? '', /^MOCK-BUSY-DONE steps=3\nMOCK-STEER-SEEN: please also say BANANA$/);
    const turnStarts = run.events.filter((event) => event.line?.includes('"method":"turn/started"'));
    assert.equal(turnStarts.length, 1, 'a steer starts no second turn');
  });

  test('steer after the turn ended is refused with a sentence', async () => {
    let turnRef: EngineTurn | undefined;
    await runTurn('Say hi', { onEvent: (_event, turn) => void (turnRef = turn) });
    await assert.rejects(turnRef!.steer('too late'), /already ended.*resume the session/);
  });

  test('interrupt: the turn ends interrupted, the server exits 0, and the running command is gone', async () => {
    let interrupted: Promise<void> | undefined;
    const started = Date.now();
    const run = await runTurn('@run sleep 37', {
      fixture: 'interrupt',
      onEvent(event, turn) {
        if (!interrupted && event.progress.activity === 'running: sleep 37') interrupted = turn.interrupt();
      },
    });
    await interrupted;
    assert.ok(Date.now() - started < 20_000, 'the interrupt did not wait for the command');
    assert.equal(run.progress.completed, false);
    assert.equal(run.progress.activity, 'interrupted');
    assert.match(run.progress.failure ?? '', /interrupted/);
    assert.equal(run.exit.exitCode, 0);
    assert.equal(isAlive(run.pid!), false);
    await waitUntil(() => processesWith('sleep 37').length === 0, 5000, 'the interrupted command to be gone');
  });

  test('an approval request with approvals "ask": accept runs the command', async () => {
    const approvals: NonNullable<EngineEvent['approval']>[] = [];
    const run = await runTurn('@escalate touch escalated-accept.txt', {
      approvals: 'ask',
      fixture: 'approval-accept',
      async onEvent(event, turn) {
        if (!event.approval) return;
        approvals.push(event.approval);
        assert.match(event.progress.activity, /^waiting for approval: touch escalated-accept.txt$/);
        await turn.answerApproval(event.approval.id, 'accept');
      },
    });
    assert.equal(approvals.length, 1);
    const [approval] = approvals;
    assert.equal(approval!.kind, 'command');
    assert.equal(approval!.command, 'touch escalated-accept.txt');
    assert.equal(approval!.cwd, world.workspace);
    assert.equal(approval!.reason, 'Mock: run `touch escalated-accept.txt` outside the sandbox?');
    assert.ok(approval!.decisions.includes('accept') && approval!.decisions.includes('decline'));
    assert.equal(run.progress.completed, true);
    assert.equal(existsSync(path.join(world.workspace, 'escalated-accept.txt')), true, 'the approved command ran');
    assert.deepEqual(run.progress.commands, [{ command: 'touch escalated-accept.txt', exitCode: 0 }]);
  });

  test('an approval request with approvals "ask": decline keeps the command from running, the turn still completes', async () => {
    const run = await runTurn('@escalate touch escalated-decline.txt', {
      approvals: 'ask',
      fixture: 'approval-decline',
      async onEvent(event, turn) {
        if (event.approval) await turn.answerApproval(event.approval.id, 'decline');
      },
    });
    assert.equal(run.progress.completed, true);
    assert.equal(existsSync(path.join(world.workspace, 'escalated-decline.txt')), false, 'the declined command did not run');
    assert.deepEqual(run.progress.commands, [], 'a declined command is not counted as run');
    assert.match(run.progress.lastMessage ?? '', /rejected by user/);
  });

  test('an approval answered "cancel" ends the turn interrupted, without running the command', async () => {
    const run = await runTurn('@escalate touch escalated-cancel.txt', {
      approvals: 'ask',
      async onEvent(event, turn) {
        if (event.approval) await turn.answerApproval(event.approval.id, 'cancel');
      },
    });
    assert.equal(run.progress.completed, false);
    assert.equal(run.progress.activity, 'interrupted');
    assert.equal(existsSync(path.join(world.workspace, 'escalated-cancel.txt')), false);
    assert.equal(run.exit.exitCode, 0);
  });

  test('an approval cannot be answered twice', async () => {
    let second: Promise<void> | undefined;
    await runTurn('@escalate true', {
      approvals: 'ask',
      async onEvent(event, turn) {
        if (!event.approval) return;
        await turn.answerApproval(event.approval.id, 'decline');
        second = turn.answerApproval(event.approval.id, 'accept');
        second.catch(() => {});
      },
    });
    await assert.rejects(second!, /No approval request 0 is waiting/);
  });

  test('interrupt right after the start: the turn is interrupted as soon as it exists, the server exits 0', async () => {
    const stderrFile = path.join(world.root, 'stderr-early.log');
    await writeFile(stderrFile, '', { mode: 0o600 });
    const turn = startAppServerTurn({
      bin: CODEX_BIN, cwd: world.workspace, env: world.env, sandbox: 'workspace-write', model: null, reasoningEffort: null,
      approvals: 'never', threadId: null, prompt: '@sleep 20000', stderrFile,
    });
    await turn.interrupt();
    let progress: Progress | undefined;
    for await (const event of turn.events) progress = event.progress;
    assert.equal((await turn.exited).exitCode, 0);
    assert.equal(progress?.completed, false);
    assert.equal(progress?.activity, 'interrupted');
  });

  test('secrets never reach the app-server: OPENCLAW_*TOKEN is not in its environment', async () => {
    let environ = '';
    const run = await runTurn('@busy 500', {
      env: { ...world.env, OPENCLAW_HOOKS_TOKEN: 'hooks-secret-1', OPENCLAW_GATEWAY_TOKEN: 'gateway-secret-2' },
      onEvent(_event, turn) {
        if (environ === '' && turn.pid) environ = readFileSync(`/proc/${turn.pid}/environ`, 'utf8');
      },
    });
    assert.equal(run.progress.completed, true);
    assert.match(environ, /MOCK_API_KEY=/, 'the environment was read');
    assert.doesNotMatch(environ, /secret-1|secret-2|OPENCLAW_/);
  });

  test('approvals "never": no request reaches us and the escalated command does not run', async () => {
    const run = await runTurn('@escalate touch escalated-never.txt');
    assert.equal(run.events.some((event) => event.approval), false);
    assert.equal(run.progress.completed, true);
    assert.equal(existsSync(path.join(world.workspace, 'escalated-never.txt')), false);
  });

  test('outputSchema: the schema reaches the model and the answer is JSON that fits it', async () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' }, count: { type: 'integer' } }, required: ['answer', 'count'], additionalProperties: false };
    const before = world.model.requests.length;
    const run = await runTurn('@json', { outputSchema: schema });
    assert.equal(run.progress.completed, true);
    assert.deepEqual(JSON.parse(run.progress.lastMessage ?? 'null'), { answer: 'mock', count: 42 });
    const format = (world.model.requests[before]?.text as { format?: { type?: string; schema?: unknown } } | undefined)?.format;
    assert.equal(format?.type, 'json_schema');
    assert.deepEqual(format?.schema, schema);
  });

  test('model, reasoning effort and images reach the model', async () => {
    const image = path.join(world.root, 'dot.png');
    // A 1×1 transparent PNG.
    await writeFile(image, Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64'));
    const before = world.model.requests.length;
    const run = await runTurn('describe the image', { model: 'gpt-5.5', reasoningEffort: 'low', images: [image] });
    assert.equal(run.progress.completed, true, run.progress.failure ?? '');
    const request = world.model.requests[before]!;
    assert.equal(request.model, 'gpt-5.5');
    assert.equal((request.reasoning as { effort?: string } | undefined)?.effort, 'low');
    const content = request.input?.filter((i) => i.role === 'user').at(-1)?.content as { type?: string; image_url?: string }[];
    assert.ok(content.some((c) => c.type === 'input_image' && c.image_url?.startsWith('data:image/png;base64,')), JSON.stringify(content).slice(0, 300));
  });

  test('a model failure: the turn fails with the model error, counted once', async () => {
    const run = await runTurn('@fail the mock refused this', { fixture: 'fail' });
    assert.equal(run.progress.completed, false);
    assert.match(run.progress.failure ?? '', /the mock refused this/);
    assert.equal(run.progress.counters.errors, 1);
    assert.equal(run.progress.activity, 'failed');
    assert.equal(run.exit.exitCode, 0);
  });
});

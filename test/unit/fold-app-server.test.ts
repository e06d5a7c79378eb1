// Replays lines the real `codex app-server` 0.171.0 sent (test/fixtures/app-server/,
// captured by test/integration/app-server-engine.test.ts) through the pure fold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { boundedLines } from '../../src/codex/app-server/bounded-lines.ts';
import {
  approvalOf,
  foldNotification,
  foldServerRequest,
  initialFold,
  withThread,
  type AppServerFold,
} from '../../src/codex/app-server/fold-app-server.ts';
import { parseMessage } from '../../src/codex/app-server/protocol.ts';
import type { ApprovalRequest } from '../../src/codex/engine.ts';
import { ROOT } from '../support/harness.ts';

const FIXTURES = path.join(ROOT, 'test/fixtures/app-server');

function replay(name: string, start: AppServerFold = initialFold(null)): { fold: AppServerFold; approvals: ApprovalRequest[]; activities: string[] } {
  let fold = start;
  const approvals: ApprovalRequest[] = [];
  const activities: string[] = [];
  for (const line of readFileSync(path.join(FIXTURES, `${name}.jsonl`), 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const parsed = parseMessage(line);
    assert.ok(parsed.ok, `${name}: ${!parsed.ok && parsed.reason}`);
    const message = parsed.message;
    if (message.kind === 'notification') fold = foldNotification(fold, message.notification);
    if (message.kind === 'request' && message.request.method !== 'unknown') {
      approvals.push(approvalOf(fold, String(message.id), message.request));
      fold = foldServerRequest(fold, message.request);
    }
    if (activities.at(-1) !== fold.progress.activity) activities.push(fold.progress.activity);
  }
  return { fold, approvals, activities };
}

const line = (object: unknown) => JSON.stringify(object);
function fold(lines: unknown[], start: AppServerFold = initialFold(null)): AppServerFold {
  let state = start;
  for (const object of lines) {
    const parsed = parseMessage(line(object));
    assert.ok(parsed.ok && parsed.message.kind === 'notification');
    state = foldNotification(state, parsed.message.notification);
  }
  return state;
}

test('plain: thread id, answer, usage, completed; the model-metadata warning and the bubblewrap configWarning are no errors', () => {
  const { fold: result, activities } = replay('plain');
  const p = result.progress;
  assert.match(p.threadId ?? '', /^[0-9a-f-]{36}$/);
  assert.equal(p.lastMessage, 'Mock answer: Say hello');
  assert.equal(p.completed, true);
  assert.equal(p.failure, null);
  assert.deepEqual(p.usage, { inputTokens: 100, cachedInputTokens: 0, cacheWriteInputTokens: 0, outputTokens: 20, reasoningOutputTokens: 0 });
  assert.deepEqual(p.counters, { commands: 0, fileChanges: 0, messages: 1, errors: 0 });
  assert.equal(p.lastError, null);
  assert.deepEqual(activities, ['starting', 'thinking', 'writing the answer', 'answered', 'done']);
});

test('run: the command without its shell wrapper, its exit code, the activity while it runs', () => {
  const { fold: result, activities } = replay('run');
  assert.deepEqual(result.progress.commands, [{ command: 'echo hi', exitCode: 0 }]);
  assert.equal(result.progress.counters.commands, 1);
  assert.ok(activities.includes('running: echo hi'));
  assert.deepEqual(result.progress.usage, { inputTokens: 200, cachedInputTokens: 0, cacheWriteInputTokens: 0, outputTokens: 40, reasoningOutputTokens: 0 });
});

test('resume: the restored thread total before turn/started is the baseline, so usage is the turn\'s own', () => {
  const first = replay('resume-first').fold.progress;
  const { fold: result } = replay('resume', initialFold(first.threadId));
  assert.equal(result.usageBefore?.inputTokens, 100, 'the first turn\'s total was seen before our turn');
  assert.deepEqual(result.progress.usage, { inputTokens: 200, cachedInputTokens: 0, cacheWriteInputTokens: 0, outputTokens: 40, reasoningOutputTokens: 0 });
  assert.equal(result.progress.threadId, first.threadId);
  assert.equal(result.progress.completed, true);
});

test('steer: the steer shows up as a user message in the same turn; one answer, one turn', () => {
  const { fold: result } = replay('steer');
  assert.match(result.progress.lastMessage ?? '', /MOCK-STEER-SEEN: please also say BANANA/);
  assert.equal(result.progress.counters.messages, 1);
  assert.equal(result.progress.completed, true);
});

test('interrupt: not completed, a failure that says interrupted, activity interrupted', () => {
  const p = replay('interrupt').fold.progress;
  assert.equal(p.completed, false);
  assert.equal(p.activity, 'interrupted');
  assert.equal(p.failure, 'The turn was interrupted before it finished.');
  assert.equal(p.counters.commands, 0, 'the interrupted command never completed');
});

test('approval accept: the request carries the unwrapped command, cwd, reason and decisions; the command then counts', () => {
  const { fold: result, approvals, activities } = replay('approval-accept');
  assert.equal(approvals.length, 1);
  const [approval] = approvals;
  assert.equal(approval!.kind, 'command');
  assert.equal(approval!.command, 'touch escalated-accept.txt');
  assert.equal(approval!.cwd, '/world/workspace');
  assert.equal(approval!.reason, 'Mock: run `touch escalated-accept.txt` outside the sandbox?');
  assert.deepEqual(approval!.decisions, ['accept', 'cancel', 'decline']);
  assert.ok(activities.includes('waiting for approval: touch escalated-accept.txt'));
  assert.equal(activities[activities.indexOf('waiting for approval: touch escalated-accept.txt') + 1], 'thinking', 'serverRequest/resolved ends the wait');
  assert.deepEqual(result.progress.commands, [{ command: 'touch escalated-accept.txt', exitCode: 0 }]);
});

test('approval decline: the declined command is not counted, the turn completes', () => {
  const p = replay('approval-decline').fold.progress;
  assert.deepEqual(p.commands, []);
  assert.equal(p.counters.commands, 0);
  assert.equal(p.completed, true);
});

test('fail: one error counted, the failure is the model\'s message', () => {
  const p = replay('fail').fold.progress;
  assert.equal(p.counters.errors, 1);
  assert.match(p.failure ?? '', /the mock refused this/);
  assert.equal(p.lastError, p.failure);
  assert.equal(p.activity, 'failed');
});

// The next lines are from /work/shared/reference/codex-app-server.md §1 (a stream retry), not captured here:
// the mock's CODEX_HOME turns retries off.
const T = 'turn-1';
const started = { method: 'turn/started', params: { threadId: 'th', turn: { id: T, status: 'inProgress', error: null } } };

test('an error with willRetry is a retry: activity "reconnecting (n/m): <reason>", no error counted', () => {
  const retry = {
    method: 'error',
    params: {
      error: { message: 'Reconnecting... 1/5', codexErrorInfo: { responseStreamDisconnected: { httpStatusCode: null } }, additionalDetails: 'stream disconnected before completion: boom' },
      willRetry: true,
      threadId: 'th',
      turnId: T,
    },
  };
  const p = fold([started, retry]).progress;
  assert.equal(p.activity, 'reconnecting (1/5): stream disconnected before completion: boom');
  assert.equal(p.counters.errors, 0);
  assert.equal(p.lastError, 'Reconnecting... 1/5 (stream disconnected before completion: boom)', 'shown in status as the latest error');
});

test('notifications of another turn (an interrupted one finishing late) do not touch our progress', () => {
  const mine = fold([started]);
  const late = [
    { method: 'item/completed', params: { threadId: 'th', turnId: 'old', item: { type: 'commandExecution', id: 'c', command: "/bin/bash -c 'sleep 6'", status: 'completed', exitCode: 0 } } },
    { method: 'item/completed', params: { threadId: 'th', turnId: 'old', item: { type: 'agentMessage', id: 'm', text: 'old answer' } } },
    { method: 'turn/completed', params: { threadId: 'th', turn: { id: 'old', status: 'completed', error: null } } },
  ];
  assert.equal(fold(late, mine), mine);
});

test('a file change counts its files once completed, not when declined; an approval for it names the files', () => {
  const change = (status: string) => ({
    method: 'item/completed',
    params: { threadId: 'th', turnId: T, item: { type: 'fileChange', id: 'f1', changes: [{ path: '/ws/a.txt', kind: { type: 'add' }, diff: '' }], status } },
  });
  const itemStarted = { method: 'item/started', params: { threadId: 'th', turnId: T, item: { type: 'fileChange', id: 'f1', changes: [{ path: '/ws/a.txt', kind: { type: 'add' } }], status: 'inProgress' } } };
  const running = fold([started, itemStarted]);
  assert.equal(running.progress.activity, 'editing 1 file');
  const request = parseMessage(line({ id: 0, method: 'item/fileChange/requestApproval', params: { threadId: 'th', turnId: T, itemId: 'f1', startedAtMs: 1, reason: null, grantRoot: null } }));
  assert.ok(request.ok && request.message.kind === 'request' && request.message.request.method !== 'unknown');
  assert.deepEqual(approvalOf(running, '0', request.message.request).files, ['/ws/a.txt']);
  assert.deepEqual(fold([change('completed')], running).progress.filesChanged, ['/ws/a.txt']);
  assert.deepEqual(fold([change('declined')], running).progress.filesChanged, []);
});

test('withThread sets the thread id once; a warning changes nothing', () => {
  const state = withThread(initialFold(null), 'th');
  assert.equal(state.progress.threadId, 'th');
  assert.equal(withThread(state, 'th'), state);
  assert.equal(fold([{ method: 'warning', params: { threadId: 'th', message: 'Model metadata for `x` not found.' } }], state), state);
});

test('parseMessage: unknown methods parse as unknown, responses and errors by id, junk is reported, never thrown', () => {
  assert.deepEqual(parseMessage('{"method":"thread/search/partial","params":{}}'), { ok: true, message: { kind: 'notification', notification: { method: 'unknown', rawMethod: 'thread/search/partial' } } });
  assert.deepEqual(parseMessage('{"id":3,"method":"item/tool/requestUserInput","params":{}}'), { ok: true, message: { kind: 'request', id: 3, request: { method: 'unknown', rawMethod: 'item/tool/requestUserInput' } } });
  assert.deepEqual(parseMessage('{"id":1,"result":{"a":1}}'), { ok: true, message: { kind: 'response', id: 1, result: { a: 1 } } });
  assert.deepEqual(parseMessage('{"id":2,"error":{"code":-32600,"message":"no active turn to steer"}}'), {
    ok: true,
    message: { kind: 'error-response', id: 2, code: -32600, message: 'no active turn to steer' },
  });
  assert.equal(parseMessage('not json').ok, false);
  assert.equal(parseMessage('{"method":"turn/completed","params":{}}').ok, false, 'a known method with a bad shape is reported');
  // A malformed approval request must still be answerable: it parses as unknown, with its id.
  const bad = parseMessage('{"id":4,"method":"item/commandExecution/requestApproval","params":{}}');
  assert.ok(bad.ok && bad.message.kind === 'request' && bad.message.id === 4 && bad.message.request.method === 'unknown');
});

test('boundedLines drops a line over the limit and keeps the ones around it', async () => {
  const dropped: number[] = [];
  const stream = Readable.from([Buffer.from('short\nxxxxx'), Buffer.from('xxxxxxxx\nok\nlast')]);
  const lines: string[] = [];
  for await (const text of boundedLines(stream, 10, (bytes) => dropped.push(bytes))) lines.push(text);
  assert.deepEqual(lines, ['short', 'ok', 'last']);
  assert.deepEqual(dropped, [13]);
});

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parseEventLine, type CodexEvent } from '../../src/codex/events.ts';
import { foldEvent, initialProgress, MAX_COMMANDS, showsProgress, type Progress } from '../../src/codex/fold-events.ts';

const FIXTURES = new URL('../fixtures/codex-events/', import.meta.url);

function parse(value: unknown): CodexEvent {
  const parsed = parseEventLine(typeof value === 'string' ? value : JSON.stringify(value));
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.reason);
  return parsed.event;
}

function fold(events: unknown[], start: Progress = initialProgress()): Progress {
  return events.reduce<Progress>((progress, event) => foldEvent(progress, parse(event)), start);
}

const item = (phase: 'started' | 'updated' | 'completed', body: Record<string, unknown>) => ({ type: `item.${phase}`, item: { id: 'item_1', ...body } });

describe('parseEventLine', () => {
  test('every event type of codex exec --json', () => {
    for (const event of [
      { type: 'thread.started', thread_id: 't-1' },
      { type: 'turn.started' },
      { type: 'turn.completed', usage: { input_tokens: 1, cached_input_tokens: 0, output_tokens: 2, reasoning_output_tokens: 0 } },
      { type: 'turn.failed', error: { message: 'boom' } },
      { type: 'error', message: 'Reconnecting... 1/5' },
      item('started', { type: 'command_execution', command: 'ls', aggregated_output: '', exit_code: null, status: 'in_progress' }),
      item('completed', { type: 'agent_message', text: 'hi' }),
      item('completed', { type: 'reasoning', text: 'hmm' }),
      item('completed', { type: 'file_change', changes: [{ path: 'a.ts', kind: 'add' }], status: 'completed' }),
      item('started', { type: 'mcp_tool_call', server: 'docs', tool: 'search', status: 'in_progress' }),
      item('started', { type: 'web_search', query: 'node 24' }),
      item('updated', { type: 'todo_list', items: [{ text: 'a', completed: true }, { text: 'b', completed: false }] }),
      item('completed', { type: 'error', message: 'Model metadata for "x" not found' }),
    ]) {
      assert.equal(parse(event).type, event.type);
    }
  });

  test('unknown event and item types are tolerated', () => {
    assert.deepEqual(parse({ type: 'thread.archived', whatever: 1 }), { type: 'unknown', rawType: 'thread.archived' });
    const event = parse(item('completed', { type: 'hologram', frames: 3 }));
    assert.equal(event.type, 'item.completed');
    assert.equal(event.type === 'item.completed' && event.item.type, 'unknown');
  });

  test('partial, invalid and empty lines are reported, never thrown', () => {
    for (const line of ['{"type":"turn.comp', 'not json at all', '', '   ', '42', '{"no_type":true}', '{"type":"turn.failed"}']) {
      const parsed = parseEventLine(line);
      assert.equal(parsed.ok, false, line);
    }
  });

  test('a very long agent message line parses', () => {
    const text = 'x'.repeat(5 * 1024 * 1024);
    const event = parse(item('completed', { type: 'agent_message', text }));
    assert.equal(event.type === 'item.completed' && event.item.type === 'agent_message' && event.item.text.length, text.length);
  });

  test('every line Codex 0.171 printed in the captured fixtures parses as a known event', () => {
    const files = readdirSync(FIXTURES).filter((name) => name.endsWith('.jsonl'));
    assert.ok(files.length > 0, 'fixtures exist');
    for (const name of files) {
      for (const line of readFileSync(new URL(name, FIXTURES), 'utf8').split('\n').filter(Boolean)) {
        const event = parse(line);
        assert.notEqual(event.type, 'unknown', `${name}: ${line.slice(0, 80)}`);
      }
    }
  });
});

describe('foldEvent', () => {
  test('a successful turn: thread, activity, counters, usage, answer', () => {
    const progress = fold([
      { type: 'thread.started', thread_id: 'thread-9' },
      { type: 'turn.started' },
      item('started', { type: 'command_execution', command: 'npm test', aggregated_output: '', exit_code: null, status: 'in_progress' }),
    ]);
    assert.equal(progress.threadId, 'thread-9');
    assert.equal(progress.activity, 'running: npm test');
    const done = fold(
      [
        item('completed', { type: 'command_execution', command: 'npm test', aggregated_output: 'ok', exit_code: 1, status: 'failed' }),
        item('started', { type: 'file_change', changes: [{ path: 'a.ts' }, { path: 'b.ts' }] }),
        item('completed', { type: 'file_change', changes: [{ path: 'a.ts' }, { path: 'b.ts' }] }),
        item('completed', { type: 'agent_message', text: 'All fixed.' }),
        { type: 'turn.completed', usage: { input_tokens: 1200, cached_input_tokens: 200, cache_write_input_tokens: 7, output_tokens: 34, reasoning_output_tokens: 5 } },
      ],
      progress,
    );
    assert.deepEqual(done.counters, { commands: 1, fileChanges: 2, messages: 1, errors: 0 });
    assert.deepEqual(done.commands, [{ command: 'npm test', exitCode: 1 }]);
    assert.deepEqual(done.filesChanged, ['a.ts', 'b.ts']);
    assert.deepEqual(done.usage, { inputTokens: 1200, cachedInputTokens: 200, cacheWriteInputTokens: 7, outputTokens: 34, reasoningOutputTokens: 5 });
    assert.equal(done.lastMessage, 'All fixed.');
    assert.equal(done.completed, true);
    assert.equal(done.failure, null);
  });

  test('the activity shows the command without the shell wrapper Codex adds', () => {
    const running = (command: string) => fold([item('started', { type: 'command_execution', command, aggregated_output: '', exit_code: null })]).activity;
    assert.equal(running("/bin/bash -lc 'npm test'"), 'running: npm test');
    assert.equal(running("/bin/bash -c 'sleep 1.5 && cat hello.txt'"), 'running: sleep 1.5 && cat hello.txt');
    assert.equal(running("/bin/bash -lc 'echo '\\''quoted'\\'''"), "running: echo 'quoted'");
    assert.equal(running('make -j2'), 'running: make -j2');
  });

  test('editing activity names the number of files', () => {
    const progress = fold([item('started', { type: 'file_change', changes: [{ path: 'a' }, { path: 'b' }] })]);
    assert.equal(progress.activity, 'editing 2 files');
  });

  test('an error event is counted but decides nothing; turn.failed does', () => {
    const retry = fold([{ type: 'error', message: 'Reconnecting... 2/5' }]);
    assert.equal(retry.completed, false);
    assert.equal(retry.failure, null);
    assert.equal(retry.lastError, 'Reconnecting... 2/5');
    const failed = fold([{ type: 'turn.failed', error: { message: 'stream disconnected' } }], retry);
    assert.equal(failed.failure, 'stream disconnected');
  });

  test('recorded commands are shown without Codex\'s shell wrapper, as the app-server engine records them', () => {
    const progress = fold([
      item('completed', { type: 'command_execution', command: "/bin/bash -lc 'npm test'", aggregated_output: '', exit_code: 0 }),
      item('completed', { type: 'command_execution', command: "/bin/bash -c 'echo '\\''quoted'\\'''", aggregated_output: '', exit_code: 1 }),
    ]);
    assert.deepEqual(progress.commands, [{ command: 'npm test', exitCode: 0 }, { command: "echo 'quoted'", exitCode: 1 }]);
  });

  test('the command list is capped, the count is not', () => {
    const events = Array.from({ length: MAX_COMMANDS + 10 }, (_, i) =>
      item('completed', { type: 'command_execution', command: `echo ${i}`, aggregated_output: '', exit_code: 0 }),
    );
    const progress = fold(events);
    assert.equal(progress.commands.length, MAX_COMMANDS);
    assert.equal(progress.counters.commands, MAX_COMMANDS + 10);
    assert.equal(progress.commands.at(-1)?.command, `echo ${MAX_COMMANDS + 9}`);
  });

  test('unknown events change nothing', () => {
    const start = initialProgress();
    assert.equal(foldEvent(start, { type: 'unknown', rawType: 'x' }), start);
  });
});

describe('a Codex that keeps retrying', () => {
  // The exact texts of Codex 0.171 (captured against the mock model: HTTP 503 with retries,
  // and no server listening).
  const retry = (n: number) => ({ type: 'error', message: `Reconnecting... ${n}/5 (unexpected status 503 Service Unavailable: upstream overloaded, url: http://127.0.0.1:1/v1/responses)` });

  test('shows as reconnecting with the attempt and the reason, and the error is kept', () => {
    const progress = fold([{ type: 'turn.started' }, retry(1), retry(3)]);
    assert.equal(progress.activity, 'reconnecting (3/5): unexpected status 503 Service Unavailable: upstream overloaded, url: http://127.0.0.1:1/v1/responses');
    assert.equal(progress.lastErrorEvent, retry(3).message);
    assert.equal(progress.counters.errors, 2);
  });

  test('waiting for the network is shown too', () => {
    const progress = fold([{ type: 'turn.started' }, { type: 'error', message: 'Reconnecting... waiting for network (Connection failed: error sending request)' }]);
    assert.equal(progress.activity, 'reconnecting (waiting for network): Connection failed: error sending request');
  });

  test('other errors leave the activity alone; the next real event replaces it', () => {
    assert.equal(fold([{ type: 'turn.started' }, { type: 'error', message: 'something else' }]).activity, 'thinking');
    assert.equal(fold([{ type: 'turn.started' }, retry(1), item('completed', { type: 'reasoning', text: 'ok' })]).activity, 'thinking');
  });

  test('retries and error items are no sign of progress; everything else is', () => {
    assert.equal(showsProgress(parse(retry(1))), false);
    assert.equal(showsProgress(parse(item('completed', { type: 'error', message: 'Model metadata not found' }))), false);
    assert.equal(showsProgress(parse({ type: 'turn.started' })), true);
    assert.equal(showsProgress(parse(item('completed', { type: 'agent_message', text: 'hi' }))), true);
  });
});

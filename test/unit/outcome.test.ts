import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initialProgress, type Progress } from '../../src/codex/fold-events.ts';
import { decideOutcome, type TurnEnding } from '../../src/runner/outcome.ts';

const ending = (overrides: Partial<Omit<TurnEnding, 'progress'>> & { progress?: Partial<Progress> } = {}): TurnEnding => ({
  exit: { exitCode: 0, signal: null, spawnError: null },
  cancelReason: null,
  timedOutAfterSeconds: null,
  stopSignal: null,
  stderrTail: '',
  resultChars: null,
  resultStoredChars: null,
  overBudget: null,
  ...overrides,
  progress: { ...initialProgress('t'), ...overrides.progress },
});

test('success needs turn.completed and exit code 0', () => {
  assert.equal(decideOutcome(ending({ progress: { completed: true } })).status, 'succeeded');
  assert.equal(decideOutcome(ending({ progress: { completed: true }, exit: { exitCode: 1, signal: null, spawnError: null } })).status, 'failed');
  // Output but no turn.completed is not success, whatever the exit code.
  assert.equal(decideOutcome(ending({ progress: { lastMessage: 'partial' } })).status, 'failed');
});

test('cancel and timeout are what the supervisor recorded, ahead of anything else', () => {
  const killed = { exit: { exitCode: null, signal: 'SIGTERM', spawnError: null } };
  const cancelled = decideOutcome(ending({ ...killed, cancelReason: 'user asked' }));
  assert.equal(cancelled.status, 'cancelled');
  assert.match(cancelled.error ?? '', /user asked/);
  const timedOut = decideOutcome(ending({ ...killed, timedOutAfterSeconds: 10 }));
  assert.equal(timedOut.status, 'timed_out');
  assert.equal(timedOut.errorKind, 'timeout');
  assert.equal(decideOutcome(ending({ ...killed, stopSignal: 'SIGTERM' })).status, 'cancelled');
});

test('the failure message comes from turn.failed, else stderr, else the last error event', () => {
  const exit = { exitCode: 1, signal: null, spawnError: null };
  assert.match(decideOutcome(ending({ exit, progress: { failure: 'quota exceeded' } })).error ?? '', /quota exceeded/);
  const fromStderr = decideOutcome(
    ending({ exit, progress: { threadId: null }, stderrTail: 'Reading additional input from stdin...\nError: no rollout found for thread id x\nStack backtrace:\n  0: <unknown>\n' }),
  );
  assert.match(fromStderr.error ?? '', /no rollout found/);
  assert.doesNotMatch(fromStderr.error ?? '', /unknown|stdin/);
  assert.equal(fromStderr.errorKind, 'startup');
  assert.match(decideOutcome(ending({ exit, progress: { lastError: 'Reconnecting 5/5' } })).error ?? '', /Reconnecting/);
  assert.match(decideOutcome(ending({ exit })).error ?? '', /exited with code 1 without reporting an error/);
});

test('a spawn error is a startup failure', () => {
  const outcome = decideOutcome(ending({ exit: { exitCode: null, signal: null, spawnError: 'ENOENT' } }));
  assert.equal(outcome.status, 'failed');
  assert.equal(outcome.errorKind, 'startup');
});

test('usage and rate limits are recognised, with the reset time when Codex gives one', () => {
  const exit = { exitCode: 1, signal: null, spawnError: null };
  const later = decideOutcome(ending({ exit, progress: { failure: 'You’ve hit your usage limit. Upgrade to Pro (https://x), visit https://y to purchase more credits or try again later.' } }));
  assert.equal(later.errorKind, 'usage_limit');
  assert.equal(later.resetsAt, null);
  const at = decideOutcome(ending({ exit, progress: { failure: 'You’ve hit your usage limit. Upgrade to Pro or try again at 11:37 AM.' } }));
  assert.equal(at.errorKind, 'usage_limit');
  assert.equal(at.resetsAt, '11:37 AM');
  assert.match(at.error ?? '', /resets at 11:37 AM/);
  assert.equal(decideOutcome(ending({ exit, progress: { failure: 'exceeded retry limit, last status: 429 Too Many Requests' } })).errorKind, 'usage_limit');
  assert.equal(decideOutcome(ending({ exit, progress: { failure: 'stream disconnected' } })).errorKind, 'codex');
});

test('a turn stopped over its token budget fails as budget', () => {
  const outcome = decideOutcome(ending({ exit: { exitCode: null, signal: 'SIGTERM', spawnError: null }, stopSignal: 'SIGTERM', overBudget: { used: 240, budget: 100 } }));
  assert.equal(outcome.status, 'failed');
  assert.equal(outcome.errorKind, 'budget');
  assert.match(outcome.error ?? '', /240 tokens.*budget of 100/);
});

test('a cut stored answer is recorded on the turn with the length of the whole one', async () => {
  const { finishTurn } = await import('../../src/store/transitions.ts');
  const { newTurn } = await import('../../src/store/session.ts');
  const outcome = decideOutcome(ending({ progress: { completed: true }, resultChars: 1_500_000, resultStoredChars: 90_112 }));
  assert.equal(outcome.status, 'succeeded');
  const turn = { ...newTurn(1, 'now', { timeoutSeconds: 60, heartbeatSeconds: 0, heartbeatStyle: 'new', maxTokens: null, notify: null }), status: 'running' as const };
  assert.ok(finishTurn(turn, outcome, 'later'));
  assert.deepEqual([turn.resultChars, turn.resultStoredChars], [1_500_000, 90_112]);
});

test('a timeout while Codex kept reconnecting says what it was stuck on', () => {
  const message = 'Reconnecting... waiting for network (Connection failed: error sending request)';
  const outcome = decideOutcome(ending({ exit: { exitCode: null, signal: 'SIGTERM', spawnError: null }, timedOutAfterSeconds: 600, progress: { lastErrorEvent: message } }));
  assert.equal(outcome.status, 'timed_out');
  assert.match(outcome.error ?? '', /Timed out after 600 s.*Codex's last error: Reconnecting\.\.\. waiting for network/);
});

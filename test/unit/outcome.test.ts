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

import type { CodexExit } from '../codex/run-codex.ts';
import type { Progress } from '../codex/fold-events.ts';
import type { Outcome } from '../store/transitions.ts';
import { recognizeLimit } from '../codex/failure-kind.ts';

export interface TurnEnding {
  progress: Progress;
  exit: CodexExit;
  /** A cancel recorded in the registry before or while Codex stopped. */
  cancelReason: string | null;
  timedOutAfterSeconds: number | null;
  /** The runner itself was told to stop (SIGTERM/SIGINT/SIGHUP) without a recorded cancel. */
  stopSignal: string | null;
  stderrTail: string;
  resultChars: number | null;
  /** Set when the stored answer is cut (disk full): how much of the resultChars was kept. */
  resultStoredChars: number | null;
  /** Set when the runner stopped Codex because the turn's usage passed its maxTokens budget. */
  overBudget: { used: number; budget: number } | null;
}

/**
 * Decides how a turn ended. Cancel and timeout are facts the supervisor
 * knows (Codex prints nothing when signalled); success needs both
 * `turn.completed` and exit code 0; an `error` event alone decides nothing.
 */
export function decideOutcome(ending: TurnEnding): Outcome {
  const { progress, exit } = ending;
  const base = { exitCode: exit.exitCode, resultChars: ending.resultChars, resultStoredChars: ending.resultStoredChars };
  if (ending.cancelReason !== null) {
    return { ...base, status: 'cancelled', error: `Cancelled: ${ending.cancelReason}`, errorKind: 'cancelled' };
  }
  if (ending.timedOutAfterSeconds !== null) {
    // A Codex that could not reach its model times out too: say so, or the timeout looks like slow work.
    const stuck = progress.lastErrorEvent ? ` Codex's last error: ${progress.lastErrorEvent}` : '';
    const error = `Timed out after ${ending.timedOutAfterSeconds} s; Codex was stopped. Resume the session or launch again with a larger timeoutSeconds.${stuck}`;
    return { ...base, status: 'timed_out', error, errorKind: 'timeout' };
  }
  if (ending.overBudget !== null) {
    const { used, budget } = ending.overBudget;
    const error = `Stopped after using ${used} tokens, over the maxTokens budget of ${budget}. Resume with a narrower prompt, or launch with a larger maxTokens.`;
    return { ...base, status: 'failed', error, errorKind: 'budget' };
  }
  if (ending.stopSignal !== null) {
    return { ...base, status: 'cancelled', error: `Cancelled: the runner received ${ending.stopSignal}.`, errorKind: 'cancelled' };
  }
  if (exit.spawnError !== null) {
    return { ...base, status: 'failed', error: `Codex could not be started: ${exit.spawnError}`, errorKind: 'startup' };
  }
  if (progress.completed && progress.failure === null && exit.exitCode === 0) {
    return { ...base, status: 'succeeded', error: null, errorKind: null };
  }
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.exitCode}`;
  const reason = progress.failure ?? lastLines(ending.stderrTail) ?? progress.lastError;
  const startedThread = progress.threadId !== null;
  const limit = progress.failure ? recognizeLimit(progress.failure) : null;
  if (limit) {
    const when = limit.resetsAt ? ` It resets at ${limit.resetsAt}.` : '';
    return { ...base, status: 'failed', error: `Codex hit a usage or rate limit: ${progress.failure}${when}`, errorKind: 'usage_limit', resetsAt: limit.resetsAt };
  }
  return {
    ...base,
    status: 'failed',
    error: reason ? `Codex ${how}: ${reason}` : `Codex ${how} without reporting an error.`,
    errorKind: startedThread ? 'codex' : 'startup',
  };
}

/** The meaningful part of stderr: an `Error:` line if there is one, else its last lines without Codex's noise. */
function lastLines(stderr: string): string | null {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !NOISE.some((pattern) => pattern.test(line)));
  const errors = lines.filter((line) => /^error\b/i.test(line));
  const tail = (errors.length > 0 ? errors : lines).slice(-5).join(' | ');
  return tail === '' ? null : tail.slice(-1000);
}

const NOISE = [/^Reading additional input from stdin/, /^Stack backtrace:/, /^\d+: /, /^at /];

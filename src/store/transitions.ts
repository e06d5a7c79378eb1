import type { RegistryData } from './registry.ts';
import { isActive, type ErrorKind, type Session, type Status, type Turn, type TurnProgress } from './session.ts';

/**
 * The only ways a turn's record changes. Pure mutators applied inside
 * Registry.update, shared by the runner, the server and reconcile, so a
 * terminal state is never overwritten whoever writes second.
 */

export interface Outcome {
  status: Exclude<Status, 'queued' | 'running'>;
  exitCode: number | null;
  error: string | null;
  errorKind: ErrorKind | null;
  resultChars: number | null;
  resetsAt?: string | null;
  /** Set when the stored answer was cut: its length, while resultChars is the full answer's. */
  resultStoredChars?: number | null;
}

export function findTurn(data: RegistryData, sessionId: string, turn: number): { session: Session; turn: Turn } | undefined {
  const session = data.sessions[sessionId];
  const found = session?.turns[turn - 1];
  return session && found ? { session, turn: found } : undefined;
}

export function applyProgress(session: Session, turn: Turn, progress: TurnProgress, lastEventAt: string | null): void {
  if (progress.threadId) session.threadId = progress.threadId;
  if (!isActive(turn.status)) return;
  turn.activity = progress.activity;
  turn.counters = progress.counters;
  turn.usage = progress.usage;
  turn.filesChanged = progress.filesChanged;
  turn.commands = progress.commands;
  turn.lastEventAt = lastEventAt;
  turn.lastError = progress.lastErrorEvent;
}

export const STEER_TOO_LATE = 'the turn ended before the text reached Codex';

/** Ends a turn. Returns false (and changes nothing) when it had already ended. */
export function finishTurn(turn: Turn, outcome: Outcome, now: string): boolean {
  if (!isActive(turn.status)) return false;
  turn.status = outcome.status;
  turn.exitCode = outcome.exitCode;
  turn.error = outcome.error;
  turn.errorKind = outcome.errorKind;
  turn.resultChars = outcome.resultChars;
  turn.resetsAt = outcome.resetsAt ?? null;
  turn.resultStoredChars = outcome.resultStoredChars ?? null;
  turn.endedAt = now;
  turn.activity = outcome.status === 'succeeded' ? 'done' : outcome.status.replace('_', ' ');
  // A steer accepted but not handed to Codex before the end is said to be refused, never left pending.
  for (const steer of turn.steers) if (steer.deliveredAt === null) steer.refused ??= STEER_TOO_LATE;
  return true;
}

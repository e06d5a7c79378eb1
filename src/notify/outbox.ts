import { isProcessAlive, processStartTime } from '../runner/process-group.ts';
import { sessionsWithUnsentNotifications } from '../store/queries.ts';
import type { Registry, RegistryData } from '../store/registry.ts';
import type { NotificationRecord, OutboxEntry, Session, Turn } from '../store/session.ts';
import type { Delivery } from './gateway-client.ts';

/**
 * The durable outbox. Every message is persisted (with the state it reports)
 * before it is sent; an attempt is claimed under the registry lock, so two
 * processes never send the same entry; its outcome is recorded after. A sender
 * that dies mid-send leaves a claim by a dead process: the message may have
 * gone out, so it is never sent again — at most once under any crash.
 */

export type Send = (session: Session, entry: OutboxEntry) => Promise<Delivery & { warning?: string }>;

const MAX_ATTEMPTS = { launch: 3, final: 12, wake: 12 } as const;
const MAX_RECORDS = 50;
const DRAIN_MIN_PAUSE_MS = 100;

/** Exponential backoff with jitter: 2, 4, 8 … s (×0.5–1), capped at 10 min. 6 tries span about 2 minutes. */
export function backoffMs(attempts: number, random = Math.random): number {
  const base = Math.min(2000 * 2 ** Math.max(0, attempts - 1), 600_000);
  return Math.round(base * (0.5 + random() * 0.5));
}

export function enqueue(session: Session, turn: Turn, kind: OutboxEntry['kind'], text: string, now: string, via?: OutboxEntry['via']): void {
  session.outbox ??= [];
  const id = `${turn.turn}:${kind}`;
  if (session.outbox.some((entry) => entry.id === id)) return; // One per kind and turn, whoever enqueues.
  session.outbox.push({ id, kind, turn: turn.turn, text, ...(via ? { via } : {}), state: 'pending', attempts: 0, maxAttempts: MAX_ATTEMPTS[kind], nextAttemptAt: now, claim: null });
}

export function recordNotification(session: Session, record: NotificationRecord): void {
  session.notifications ??= [];
  session.notifications.push(record);
  if (session.notifications.length > MAX_RECORDS) session.notifications.splice(0, session.notifications.length - MAX_RECORDS);
}

interface Job {
  sessionId: string;
  session: Session;
  entry: OutboxEntry;
}

/**
 * Sends every entry that is due, one at a time, in the order they were queued
 * (a final before its wake). Returns the earliest time a pending entry of the
 * selected sessions will be due again, or null when nothing is left to send.
 */
export async function deliverDue(registry: Registry, send: Send, sessionId?: string): Promise<number | null> {
  const snapshot = await registry.read();
  if (!hasWork(snapshot, sessionId, Date.now())) return nextDue(snapshot, sessionId);
  for (;;) {
    const job = await registry.update((data) => claimNext(data, sessionId, Date.now()));
    if (!job) break;
    const delivery = await send(job.session, job.entry);
    await registry.update((data) => recordAttempt(data, job, delivery, Date.now()));
  }
  return nextDue(await registry.read(), sessionId);
}

/** `sessions` narrows a read-only snapshot to the sessions worth looking at; inside an update, all are scanned. */
function* entries(data: RegistryData, sessionId: string | undefined, sessions?: Session[]): Generator<[Session, OutboxEntry]> {
  const selected = sessionId ? [data.sessions[sessionId]] : (sessions ?? Object.values(data.sessions));
  for (const session of selected) for (const entry of session?.outbox ?? []) yield [session!, entry];
}

/** Due now and not held back: what claimNext would take. */
const isDue = (session: Session, entry: OutboxEntry, now: number) =>
  entry.state === 'pending' && Date.parse(entry.nextAttemptAt) <= now && !waitsForFinal(session, entry);

const isOrphaned = (entry: OutboxEntry) => entry.state === 'sending' && entry.claim !== null && !isProcessAlive(entry.claim.pid, entry.claim.startTime);

// A cheap look at a snapshot before taking the lock: only a claimable entry is worth a locked write.
function hasWork(data: RegistryData, sessionId: string | undefined, now: number): boolean {
  for (const [session, entry] of entries(data, sessionId, sessionsWithUnsentNotifications(data))) {
    if (isDue(session, entry, now) || isOrphaned(entry)) return true;
  }
  return false;
}

function nextDue(data: RegistryData, sessionId: string | undefined): number | null {
  let next: number | null = null;
  for (const [, entry] of entries(data, sessionId, sessionsWithUnsentNotifications(data))) {
    if (entry.state === 'pending') next = Math.min(next ?? Infinity, Date.parse(entry.nextAttemptAt));
  }
  return next;
}

/**
 * The wake goes right after the final chat message's first attempt (sent or failed), never
 * before it, even when another process picks the wake up meanwhile; after that the two retry
 * independently, so a failing channel never holds back the wake.
 */
function waitsForFinal(session: Session, entry: OutboxEntry): boolean {
  if (entry.kind !== 'wake') return false;
  const final = session.outbox?.find((e) => e.id === `${entry.turn}:final`);
  if (!final) return false;
  const firstNotTried = final.state === 'pending' && final.attempts === 0;
  const firstInFlight = final.state === 'sending' && final.attempts === 1;
  return firstNotTried || firstInFlight;
}

function claimNext(data: RegistryData, sessionId: string | undefined, now: number): Job | undefined {
  for (const [session, entry] of entries(data, sessionId)) {
    if (isOrphaned(entry)) {
      // The sender died between claiming and recording: the message may have been delivered.
      entry.state = 'failed';
      entry.claim = null;
      recordNotification(session, {
        kind: entry.kind, turn: entry.turn, at: new Date(now).toISOString(), ok: false, httpStatus: null,
        error: 'the sending process died mid-send; not retried so it is never delivered twice',
      });
      continue;
    }
    if (!isDue(session, entry, now)) continue;
    entry.state = 'sending';
    entry.attempts += 1;
    entry.claim = { pid: process.pid, startTime: processStartTime(process.pid) };
    return { sessionId: session.id, session: structuredClone(session), entry: structuredClone(entry) };
  }
  return undefined;
}

function recordAttempt(data: RegistryData, job: Job, delivery: Delivery & { warning?: string }, now: number): void {
  const session = data.sessions[job.sessionId];
  const entry = session?.outbox?.find((e) => e.id === job.entry.id);
  if (!session || !entry) return;
  entry.claim = null;
  if (delivery.ok) {
    entry.state = 'sent';
    entry.text = ''; // Delivered: the registry need not keep a copy of the message.
  } else if (delivery.retryable && entry.attempts < entry.maxAttempts) {
    entry.state = 'pending';
    entry.nextAttemptAt = new Date(now + backoffMs(entry.attempts)).toISOString();
  } else {
    entry.state = 'failed';
  }
  if (delivery.warning) session.notifyWarning = delivery.warning;
  recordNotification(session, {
    kind: entry.kind, turn: entry.turn, at: new Date(now).toISOString(), ok: delivery.ok, httpStatus: delivery.httpStatus, error: delivery.error,
  });
}

/** Keeps delivering one session's entries until all are settled or the next try falls past the budget. */
export async function drain(registry: Registry, send: Send, sessionId: string, budgetMs: number): Promise<void> {
  const deadline = Date.now() + budgetMs;
  for (;;) {
    const next = await deliverDue(registry, send, sessionId);
    if (next === null || next > deadline) return;
    // At least a short pause: an entry can be due yet held back (a wake waiting for its final).
    await new Promise((resolve) => setTimeout(resolve, Math.max(DRAIN_MIN_PAUSE_MS, next - Date.now())));
  }
}

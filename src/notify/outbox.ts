import { isProcessAlive, processStartTime } from '../process/liveness.ts';
import { sessionsWithUnsentNotifications } from '../store/queries.ts';
import type { Registry, RegistryData } from '../store/registry.ts';
import type { NotificationRecord, OutboxEntry, Session, Turn } from '../store/session.ts';
import type { Delivery } from './gateway-client.ts';

/**
 * The durable outbox. Every message is persisted (with the state it reports)
 * before it is sent; an attempt is claimed under the registry lock, so two
 * processes never send the same entry, and shows in `notifications` as it
 * starts; its outcome is recorded after. A message that may have gone out —
 * its sender died mid-send, or the gateway did not answer in time — is never
 * sent again (state `unknown`): at most once under any crash or slow gateway.
 */

/** `signal` ends the request early when the caller's budget runs out. */
export type Send = (session: Session, entry: OutboxEntry, signal?: AbortSignal) => Promise<Delivery & { warning?: string }>;

/** What sends the entries, and the longest one request of it can take. */
export interface Sender {
  send: Send;
  requestTimeoutMs: number;
}

export interface DeliveryScope {
  /** Only this session's entries; all sessions when absent. */
  sessionId?: string;
  /** Epoch ms: no send is started that could not finish by then, so the caller's wall time is bounded. */
  until?: number;
}

const MAX_ATTEMPTS = { launch: 3, final: 12, wake: 12, approval: 12, approval_wake: 12 } as const;
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
  if (kind !== 'final') return;
  // The chat must never read 🚀 after the final: a 🚀 still waiting for a (re)try is dropped.
  for (const launch of session.outbox) if (launch.id === `${turn.turn}:launch` && launch.state === 'pending') supersede(session, launch, Date.parse(now));
}

/**
 * An entry about one approval request: the ❓ message, the wake, or the note that it expired
 * (`suffix`). One of each per request, whoever enqueues; sent in the order queued, like the rest.
 */
export function enqueueApprovalEntry(
  session: Session,
  turn: Turn,
  kind: 'approval' | 'approval_wake',
  requestId: string,
  text: string,
  now: string,
  options: { via?: OutboxEntry['via']; suffix?: string } = {},
): void {
  session.outbox ??= [];
  const id = `${turn.turn}:${kind}:${requestId}${options.suffix ? `:${options.suffix}` : ''}`;
  if (session.outbox.some((entry) => entry.id === id)) return;
  session.outbox.push({
    id, kind, turn: turn.turn, requestId, text, ...(options.via ? { via: options.via } : {}),
    state: 'pending', attempts: 0, maxAttempts: MAX_ATTEMPTS[kind], nextAttemptAt: now, claim: null,
  });
}

function supersede(session: Session, launch: OutboxEntry, now: number): void {
  launch.state = 'superseded';
  launch.text = '';
  settleRecord(session, launch, now, {
    ok: false, httpStatus: null, outcome: 'superseded',
    error: 'not sent: the turn ended before the 🚀 got through, and the final message says the rest',
  });
}

export function recordNotification(session: Session, record: NotificationRecord): void {
  session.notifications ??= [];
  session.notifications.push(record);
  if (session.notifications.length > MAX_RECORDS) session.notifications.splice(0, session.notifications.length - MAX_RECORDS);
}

type Attempt = Pick<NotificationRecord, 'kind' | 'turn'>;

/** Shows an attempt in codex_status as it starts; settleRecord turns it into its outcome. */
export function recordInFlight(session: Session, attempt: Attempt, now: number): void {
  recordNotification(session, { kind: attempt.kind, turn: attempt.turn, at: new Date(now).toISOString(), ok: false, httpStatus: null, error: null, outcome: 'sending' });
}

/** Ends the attempt's in-flight record, or adds one when none is open. */
export function settleRecord(session: Session, attempt: Attempt, now: number, result: Pick<NotificationRecord, 'ok' | 'httpStatus' | 'error' | 'outcome'>): void {
  const open = session.notifications?.findLast((r) => r.kind === attempt.kind && r.turn === attempt.turn && r.outcome === 'sending');
  const record = { kind: attempt.kind, turn: attempt.turn, at: new Date(now).toISOString(), ...result };
  if (open) Object.assign(open, record);
  else recordNotification(session, record);
}

interface Job {
  sessionId: string;
  session: Session;
  entry: OutboxEntry;
}

/**
 * Sends every entry that is due, one at a time, in the order they were queued
 * (a 🚀 before its final, a final before its wake). Returns the earliest time a
 * pending entry of the selected sessions will be due again, or null when nothing
 * is left to send.
 */
export async function deliverDue(registry: Registry, sender: Sender, scope: DeliveryScope = {}): Promise<number | null> {
  const { sessionId, until } = scope;
  const snapshot = await registry.read();
  if (!hasWork(snapshot, sessionId, Date.now())) return nextDue(snapshot, sessionId);
  for (;;) {
    if (until !== undefined && Date.now() + sender.requestTimeoutMs > until) break;
    const job = await registry.update((data) => claimNext(data, sessionId, Date.now()));
    if (!job) break;
    const signal = until === undefined ? undefined : AbortSignal.timeout(Math.max(0, until - Date.now()));
    const delivery = await sender.send(job.session, job.entry, signal);
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
  entry.state === 'pending' && Date.parse(entry.nextAttemptAt) <= now && !waitsForFinal(session, entry) && !waitsForEarlierLine(session, entry);

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
  if (entry.kind !== 'wake' && entry.kind !== 'approval_wake') return false;
  // An approval's wake follows its ❓ message as a turn's wake follows its final.
  const leadId = entry.kind === 'wake' ? `${entry.turn}:final` : `${entry.turn}:approval:${entry.requestId}`;
  const final = session.outbox?.find((e) => e.id === leadId);
  if (!final) return false;
  const firstNotTried = final.state === 'pending' && final.attempts === 0;
  const firstInFlight = final.state === 'sending' && final.attempts === 1;
  return firstNotTried || firstInFlight;
}

/**
 * The final waits while its turn's 🚀 or a 📡 of its runner is in flight (each ends by its request
 * deadline), so the chat reads in order even when another process sends the final. A beat whose
 * runner died is not waited for: it will never be settled.
 */
function waitsForEarlierLine(session: Session, entry: OutboxEntry): boolean {
  if (entry.kind !== 'final' && entry.kind !== 'approval') return false;
  if (session.outbox?.some((e) => e.id === `${entry.turn}:launch` && e.state === 'sending')) return true;
  // A ❓ message (or its expiry note) goes before the final, whoever sends which.
  const asking = (e: OutboxEntry) => e.kind === 'approval' && e.turn === entry.turn && e !== entry && (e.state === 'sending' || (e.state === 'pending' && e.attempts === 0));
  if (entry.kind === 'final' && session.outbox?.some(asking)) return true;
  if (entry.kind === 'approval') return false;
  const beating = session.notifications?.some((r) => r.kind === 'heartbeat' && r.turn === entry.turn && r.outcome === 'sending');
  const runner = session.turns[entry.turn - 1]?.runner;
  return Boolean(beating && runner && isProcessAlive(runner.pid, runner.startTime));
}

function claimNext(data: RegistryData, sessionId: string | undefined, now: number): Job | undefined {
  for (const [session, entry] of entries(data, sessionId)) {
    if (isOrphaned(entry)) {
      // The sender died between claiming and recording: the message may have been delivered.
      entry.state = 'unknown';
      entry.claim = null;
      settleRecord(session, entry, now, {
        ok: false, httpStatus: null, outcome: 'unknown',
        error: 'the sending process died mid-send: it may have been delivered, so it is not sent again',
      });
      continue;
    }
    if (entry.kind === 'final' && entry.state === 'pending') settleDeadBeats(session, entry.turn, now);
    if (!isDue(session, entry, now)) continue;
    entry.state = 'sending';
    entry.attempts += 1;
    entry.claim = { pid: process.pid, startTime: processStartTime(process.pid) };
    recordInFlight(session, entry, now);
    return { sessionId: session.id, session: structuredClone(session), entry: structuredClone(entry) };
  }
  return undefined;
}

/** A 📡 whose runner died mid-send stays "sending" in codex_status unless someone settles it. */
function settleDeadBeats(session: Session, turnNo: number, now: number): void {
  const runner = session.turns[turnNo - 1]?.runner;
  if (!runner || isProcessAlive(runner.pid, runner.startTime)) return;
  for (const record of session.notifications ?? []) {
    if (record.kind !== 'heartbeat' || record.turn !== turnNo || record.outcome !== 'sending') continue;
    Object.assign(record, { at: new Date(now).toISOString(), outcome: 'unknown', error: 'the runner died mid-send: it may have been delivered' });
  }
}

function recordAttempt(data: RegistryData, job: Job, delivery: Delivery & { warning?: string }, now: number): void {
  const session = data.sessions[job.sessionId];
  const entry = session?.outbox?.find((e) => e.id === job.entry.id);
  if (!session || !entry) return;
  entry.claim = null;
  const finalQueued = session.outbox.some((e) => e.id === `${entry.turn}:final`);
  if (delivery.ok) {
    entry.state = 'sent';
  } else if (delivery.unknown) {
    entry.state = 'unknown';
  } else if (delivery.retryable && entry.attempts < entry.maxAttempts) {
    if (entry.kind === 'launch' && finalQueued) return supersede(session, entry, now);
    entry.state = 'pending';
    entry.nextAttemptAt = new Date(now + backoffMs(entry.attempts)).toISOString();
  } else {
    entry.state = 'failed';
  }
  // Delivered, or perhaps delivered: the registry need not keep a copy of the message.
  if (entry.state === 'sent' || entry.state === 'unknown') entry.text = '';
  if (delivery.warning) session.notifyWarning = delivery.warning;
  const outcome = delivery.ok ? 'delivered' : delivery.unknown ? 'unknown' : 'failed';
  settleRecord(session, entry, now, { ok: delivery.ok, httpStatus: delivery.httpStatus, error: delivery.error, outcome });
}

/**
 * Keeps delivering one session's entries until all are settled or `until` (epoch ms) comes:
 * no send starts that could not end by then, so the wall time is bounded, requests in flight included.
 */
export async function drain(registry: Registry, sender: Sender, sessionId: string, until: number): Promise<void> {
  for (;;) {
    const next = await deliverDue(registry, sender, { sessionId, until });
    if (next === null || Math.max(next, Date.now()) + sender.requestTimeoutMs > until) return;
    // At least a short pause: an entry can be due yet held back (a wake waiting for its final).
    await new Promise((resolve) => setTimeout(resolve, Math.max(DRAIN_MIN_PAUSE_MS, next - Date.now())));
  }
}

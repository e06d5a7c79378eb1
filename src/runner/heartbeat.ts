import { errorMessage } from '../errors.ts';
import { heartbeatMessage } from '../notify/messages.ts';
import { sentMessageId, type Notifier } from '../notify/notifier.ts';
import type { Delivery } from '../notify/gateway-client.ts';
import { recordInFlight, settleRecord } from '../notify/outbox.ts';
import type { Registry } from '../store/registry.ts';
import { isActive } from '../store/session.ts';

/**
 * A 📡 line to the chat every interval while the turn runs, built from the
 * persisted state. No retries (the next beat says more), and a beat is skipped
 * while the previous one is still in flight, so a slow channel never gets a pile.
 * A beat has the gateway client's request deadline like every send, so one in
 * flight holds the final back by at most that long.
 */
export function startHeartbeat(
  registry: Registry,
  notifier: Notifier,
  target: { sessionId: string; turn: number; intervalMs: number },
  log: (message: string) => void,
): () => Promise<void> {
  let inFlight: Promise<void> | undefined;
  const beat = async () => {
    const session = await registry.getSession(target.sessionId);
    const turn = session?.turns[target.turn - 1];
    const route = turn && notifier.chatRoute(turn);
    if (!session || !turn || !route || !isActive(turn.status)) return;
    const text = heartbeatMessage(session, turn, Date.now());
    const editing = turn.heartbeatStyle === 'edit' && turn.heartbeatMessageId !== null;
    // Registered under the lock while the turn is still running: then the final waits for this beat,
    // whoever sends it; once the turn has ended, no beat starts.
    const started = await registry.update((data) => {
      const current = data.sessions[target.sessionId];
      const currentTurn = current?.turns[target.turn - 1];
      if (!current || !currentTurn || !isActive(currentTurn.status)) return false;
      recordInFlight(current, { kind: 'heartbeat', turn: target.turn }, Date.now());
      return true;
    });
    if (!started) return;
    const delivery = await (editing ? notifier.editChat(route, turn.heartbeatMessageId!, text) : notifier.sendChat(route, text)).catch(
      (error): Delivery => ({ ok: false, httpStatus: null, error: errorMessage(error), retryable: false, unknown: false, body: null }),
    );
    await registry.update((data) => {
      const current = data.sessions[target.sessionId];
      const currentTurn = current?.turns[target.turn - 1];
      if (!current || !currentTurn) return;
      const { ok, httpStatus, error } = delivery;
      const outcome = ok ? 'delivered' : delivery.unknown ? 'unknown' : 'failed';
      settleRecord(current, { kind: 'heartbeat', turn: target.turn }, Date.now(), { ok, httpStatus, error, outcome });
      // Edit the message we just sent next time; after a failed edit, start a fresh one.
      if (turn.heartbeatStyle === 'edit') currentTurn.heartbeatMessageId = ok ? (editing ? turn.heartbeatMessageId : sentMessageId(delivery.body)) : null;
    });
  };
  const timer = setInterval(() => {
    if (inFlight) return;
    inFlight = beat()
      .catch((error) => log(`heartbeat failed: ${errorMessage(error)}`))
      .finally(() => {
        inFlight = undefined;
      });
  }, target.intervalMs);
  // Stops at once; the promise settles when a beat in flight is done, so the runner can hold
  // the final message until then and no 📡 reaches the chat after it.
  return () => {
    clearInterval(timer);
    return inFlight ?? Promise.resolve();
  };
}

import { errorMessage } from '../errors.ts';
import { heartbeatMessage } from '../notify/messages.ts';
import type { Notifier } from '../notify/notifier.ts';
import { recordNotification } from '../notify/outbox.ts';
import type { Registry } from '../store/registry.ts';
import { isActive } from '../store/session.ts';

/**
 * A 📡 line to the chat every interval while the turn runs, built from the
 * persisted state. No retries (the next beat says more), and a beat is skipped
 * while the previous one is still in flight, so a slow channel never gets a pile.
 */
export function startHeartbeat(
  registry: Registry,
  notifier: Notifier,
  target: { sessionId: string; turn: number; intervalMs: number },
  log: (message: string) => void,
): () => void {
  let inFlight = false;
  const beat = async () => {
    const session = await registry.getSession(target.sessionId);
    const turn = session?.turns[target.turn - 1];
    const route = turn && notifier.chatRoute(turn);
    if (!session || !turn || !route || !isActive(turn.status)) return;
    const delivery = await notifier.sendChat(route, heartbeatMessage(session, turn, Date.now()));
    await registry.update((data) => {
      const current = data.sessions[target.sessionId];
      if (current) {
        const { ok, httpStatus, error } = delivery;
        recordNotification(current, { kind: 'heartbeat', turn: target.turn, at: new Date().toISOString(), ok, httpStatus, error });
      }
    });
  };
  const timer = setInterval(() => {
    if (inFlight) return;
    inFlight = true;
    beat()
      .catch((error) => log(`heartbeat failed: ${errorMessage(error)}`))
      .finally(() => {
        inFlight = false;
      });
  }, target.intervalMs);
  return () => clearInterval(timer);
}

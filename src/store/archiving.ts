import { activeSessions } from './queries.ts';
import type { Registry, RegistryData } from './registry.ts';
import { isActive, latestTurn, type Session } from './session.ts';

/** Finished sessions kept in the live registry, the most recently ended: what codex_status is most often asked about. */
export const LIVE_FINISHED_KEEP = 50;

/**
 * Moves finished sessions whose notifications are settled out of the live
 * registry into the archive, keeping the most recent few. The records are
 * written first, outside the lock (possibly twice, never lost); then one locked
 * step lists them in the index and drops from the live file exactly the
 * sessions that have not changed since. A crash in between leaves a session
 * in both places, and readers trust the live copy: it is never older.
 * Returns how many sessions were moved.
 */
export async function archiveSettled(registry: Registry, keep = LIVE_FINISHED_KEEP): Promise<number> {
  const candidates = archivable(await registry.read(), keep);
  if (candidates.length === 0) return 0;
  await registry.archive.writeRecords(candidates);
  const written = new Map(candidates.map((s) => [s.id, { session: s, print: fingerprint(s) }]));
  return registry.update(async (data) => {
    const unchanged = [...written.values()]
      .filter(({ session, print }) => {
        const current = data.sessions[session.id];
        return current !== undefined && isSettled(current) && fingerprint(current) === print;
      })
      .map(({ session }) => session);
    // Index lines and the drop from the live file under one lock: no other index change interleaves.
    await registry.archive.list(unchanged);
    for (const session of unchanged) delete data.sessions[session.id];
    return unchanged.length;
  });
}

/** Settled sessions beyond the `keep` most recently ended, oldest first. Cheap when there are none. */
export function archivable(data: RegistryData, keep: number): Session[] {
  const total = Object.keys(data.sessions).length;
  if (total - activeSessions(data).length <= keep) return [];
  const settled = Object.values(data.sessions).filter(isSettled);
  if (settled.length <= keep) return [];
  return settled.sort((a, b) => endedAt(a).localeCompare(endedAt(b))).slice(0, settled.length - keep);
}

export function isSettled(session: Session): boolean {
  return !isActive(latestTurn(session).status) && !session.outbox.some((entry) => entry.state === 'pending' || entry.state === 'sending');
}

const endedAt = (session: Session) => latestTurn(session).endedAt ?? latestTurn(session).createdAt;

/** What changes when a finished session is touched again: a resume, a late delivery, a warning. */
function fingerprint(session: Session): string {
  const turn = latestTurn(session);
  const outbox = session.outbox.map((entry) => `${entry.id}=${entry.state}`).join(',');
  return [session.turns.length, turn.status, turn.endedAt, outbox, session.notifications.length, session.notifyWarning].join('|');
}

import { rm } from 'node:fs/promises';
import type { Paths } from './paths.ts';
import type { Registry, RegistryData } from './registry.ts';
import { isActive, latestTurn, type Session } from './session.ts';

const DAY_MS = 86_400_000;

/**
 * Forgets finished sessions older than the retention period, with their
 * folders, so the registry stays small. A session with a notification still
 * waiting in its outbox is kept until that is settled.
 */
export async function pruneOldSessions(registry: Registry, paths: Paths, retentionDays: number, now = Date.now()): Promise<string[]> {
  if (retentionDays <= 0) return [];
  const cutoff = now - retentionDays * DAY_MS;
  const expired = (data: RegistryData) => Object.values(data.sessions).filter((s) => isExpired(s, cutoff)).map((s) => s.id);
  if (expired(await registry.read()).length === 0) return [];
  const removed = await registry.update((data) => {
    const ids = expired(data);
    for (const id of ids) delete data.sessions[id];
    return ids;
  });
  // Folders go after the registry no longer points at them: a crash in between leaves only an orphan folder.
  await Promise.all(removed.map((id) => rm(paths.sessionDir(id), { recursive: true, force: true })));
  return removed;
}

function isExpired(session: Session, cutoff: number): boolean {
  const turn = latestTurn(session);
  if (isActive(turn.status)) return false;
  if ((session.outbox ?? []).some((entry) => entry.state === 'pending' || entry.state === 'sending')) return false;
  return Date.parse(turn.endedAt ?? turn.createdAt) < cutoff;
}

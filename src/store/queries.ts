import type { RegistryData } from './registry.ts';
import { isActive, latestTurn, type Session } from './session.ts';

/**
 * Derived views of a registry snapshot, computed once per snapshot. Registry.read()
 * hands out the same parsed object until the file changes, so with 10,000
 * sessions a status call does not re-scan and re-sort them all. Only for
 * read-only snapshots: data being changed inside Registry.update must not be memoised.
 */
const memo = new WeakMap<RegistryData, { active?: Session[]; newest?: Session[]; unsent?: Session[] }>();

function entry(data: RegistryData) {
  let cached = memo.get(data);
  if (!cached) memo.set(data, (cached = {}));
  return cached;
}

/** Sessions whose latest turn is queued or running. */
export function activeSessions(data: RegistryData): Session[] {
  const cached = entry(data);
  cached.active ??= Object.values(data.sessions).filter((s) => isActive(latestTurn(s).status));
  return cached.active;
}

/** Sessions with a notification not yet settled (pending, or being sent). */
export function sessionsWithUnsentNotifications(data: RegistryData): Session[] {
  const cached = entry(data);
  cached.unsent ??= Object.values(data.sessions).filter((s) => (s.outbox ?? []).some((e) => e.state === 'pending' || e.state === 'sending'));
  return cached.unsent;
}

/** Every session, newest first. */
export function sessionsNewestFirst(data: RegistryData): Session[] {
  const cached = entry(data);
  cached.newest ??= Object.values(data.sessions).sort(newestFirst);
  return cached.newest;
}

function newestFirst(a: Session, b: Session): number {
  return a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1;
}

/** Queued sessions in the order the scheduler starts them: oldest turn first. */
export function queueOrder(sessions: Session[]): Session[] {
  return sessions
    .filter((s) => latestTurn(s).status === 'queued')
    .sort((a, b) => {
      const [x, y] = [latestTurn(a).createdAt, latestTurn(b).createdAt];
      return x === y ? (a.id < b.id ? -1 : 1) : x < y ? -1 : 1;
    });
}

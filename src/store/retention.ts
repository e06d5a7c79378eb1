import { rm } from 'node:fs/promises';
import { shardOf } from './archive-index.ts';
import { releasePrunedWorktree } from './pruned-worktrees.ts';
import type { Paths } from './paths.ts';
import type { Registry, RegistryData } from './registry.ts';
import { isActive, latestTurn, type Session } from './session.ts';

const DAY_MS = 86_400_000;

/**
 * Forgets finished sessions older than the retention period, with their
 * folders: those still in the live file (rare: finished sessions are archived
 * soon) and, without touching the live file, the archive's old day shards. A
 * session with a notification still waiting in its outbox is kept until that is
 * settled; an archived session resumed since is live again and kept.
 */
export async function pruneOldSessions(
  registry: Registry,
  paths: Paths,
  retentionDays: number,
  now = Date.now(),
  log: (message: string) => void = () => {},
): Promise<string[]> {
  if (retentionDays <= 0) return [];
  const cutoff = now - retentionDays * DAY_MS;
  // Isolated sessions take their worktrees with them (after the registry let go of them).
  const withWorktrees: Session[] = [];
  const removed = [...(await pruneLive(registry, paths, cutoff, withWorktrees)), ...(await pruneArchive(registry, paths, cutoff, withWorktrees))];
  for (const session of withWorktrees) await releasePrunedWorktree(session, paths.worktreeParent(session.id), log);
  return removed;
}

async function pruneLive(registry: Registry, paths: Paths, cutoff: number, withWorktrees: Session[]): Promise<string[]> {
  const expired = (data: RegistryData) => Object.values(data.sessions).filter((s) => isExpired(s, cutoff)).map((s) => s.id);
  if (expired(await registry.read()).length === 0) return [];
  const removed = await registry.update((data) => {
    const ids = expired(data);
    withWorktrees.length = 0;
    for (const id of ids) {
      if (data.sessions[id]?.worktree) withWorktrees.push(structuredClone(data.sessions[id]));
      delete data.sessions[id];
    }
    return ids;
  });
  // Folders go after the registry no longer points at them: a crash in between leaves only an orphan folder.
  await Promise.all(removed.map((id) => rm(paths.sessionDir(id), { recursive: true, force: true })));
  return removed;
}

/** Whole day shards older than the cutoff, session by session: a session that ended after the cutoff stays. */
async function pruneArchive(registry: Registry, paths: Paths, cutoff: number, withWorktrees: Session[]): Promise<string[]> {
  const index = registry.archive.index;
  const live = (await registry.read()).sessions;
  const cutoffDay = shardOf(new Date(cutoff).toISOString());
  const removed: string[] = [];
  for (const shard of (await index.shards()).filter((day) => day < cutoffDay)) {
    const expired = (await index.entries(shard)).filter((e) => !Object.hasOwn(live, e.id) && Date.parse(e.endedAt ?? e.createdAt) < cutoff);
    if (expired.length === 0) continue;
    // Under the lock every index change takes, and re-checked there: a session resumed meanwhile is
    // live again and keeps its folder. The index first: a crash in between leaves orphan folders,
    // never a listed session without its record.
    const gone = await registry.update(async (data) => {
      const ids = new Set(expired.map((e) => e.id).filter((id) => !Object.hasOwn(data.sessions, id)));
      for (const id of ids) {
        const record = (await registry.archive.get(id)).session;
        if (record?.worktree && !withWorktrees.some((s) => s.id === id)) withWorktrees.push(record);
      }
      await index.rewriteWithout(shard, ids);
      await Promise.all([...ids].map((id) => rm(paths.sessionDir(id), { recursive: true, force: true })));
      return ids;
    });
    removed.push(...gone);
  }
  return removed;
}

function isExpired(session: Session, cutoff: number): boolean {
  const turn = latestTurn(session);
  if (isActive(turn.status)) return false;
  if ((session.outbox ?? []).some((entry) => entry.state === 'pending' || entry.state === 'sending')) return false;
  return Date.parse(turn.endedAt ?? turn.createdAt) < cutoff;
}

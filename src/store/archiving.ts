import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isProcessAlive, processStartTime } from '../process/liveness.ts';
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
export async function archiveSettled(registry: Registry, keep = LIVE_FINISHED_KEEP, batch = MAX_PER_MOVE): Promise<number> {
  if (archivable(await registry.read(), keep).length === 0) return 0;
  // One mover at a time: a runner ending during a large migration must not start a second one.
  const release = await claimMover(registry.paths.archiveIndexDir);
  if (!release) return 0;
  try {
    const candidates = archivable(await registry.read(), keep).slice(0, batch);
    if (candidates.length === 0) return 0;
    await registry.archive.writeRecords(candidates);
    const written = new Map(candidates.map((s) => [s.id, { session: s, print: fingerprint(s) }]));
    // The locked step may run again (a lost lock): index lines already appended are not appended twice.
    const listed = new Set<string>();
    return await registry.update(async (data) => {
      const unchanged = [...written.values()]
        .filter(({ session, print }) => {
          const current = data.sessions[session.id];
          return current !== undefined && isSettled(current) && fingerprint(current) === print;
        })
        .map(({ session }) => session);
      // Index lines and the drop from the live file under one lock: no other index change interleaves.
      const toList = unchanged.filter((s) => !listed.has(s.id));
      await registry.archive.list(toList);
      for (const session of toList) listed.add(session.id);
      for (const session of unchanged) delete data.sessions[session.id];
      // A session that left the live file while its record was being written was forgotten or pruned
      // meanwhile: the record written for it must not bring it back.
      for (const { session } of written.values()) {
        if (!Object.hasOwn(data.sessions, session.id) && !unchanged.includes(session) && !(await registry.archive.index.find(session.id, session.createdAt))) {
          await registry.archive.remove(session.id);
        }
      }
      return unchanged.length;
    });
  } finally {
    await release();
  }
}

/** Sessions moved in one call: a bounded pause for a runner leaving, and a bounded locked write. */
export const MAX_PER_MOVE = 5000;

/**
 * A marker file naming the process that is moving sessions; a marker whose
 * process is gone is taken over. Returns the release, or null when another
 * live process is moving.
 */
async function claimMover(dir: string): Promise<(() => Promise<void>) | null> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const marker = path.join(dir, '..', 'moving');
  const me = JSON.stringify({ pid: process.pid, startTime: processStartTime(process.pid) });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(marker, me, { flag: 'wx', mode: 0o600 });
      return async () => {
        if ((await readFile(marker, 'utf8').catch(() => '')) === me) await rm(marker, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder: { pid?: unknown; startTime?: unknown } = await readFile(marker, 'utf8')
      .then((text) => JSON.parse(text) as { pid?: unknown; startTime?: unknown })
      .catch(() => ({}));
    const alive = typeof holder.pid === 'number' && isProcessAlive(holder.pid, typeof holder.startTime === 'string' ? holder.startTime : null);
    if (alive) return null;
    await rm(marker, { force: true });
  }
  return null;
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

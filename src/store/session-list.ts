import { UserError } from '../errors.ts';
import type { IndexEntry } from './archive-index.ts';
import { newestFirst, shardOf } from './archive-index.ts';
import { sessionsNewestFirst } from './queries.ts';
import type { Registry } from './registry.ts';
import { latestTurn, type Session, type Status } from './session.ts';

/**
 * Listing sessions newest first, live and archived alike, filtered and paged.
 * The live registry is small; the archive is read one day shard at a time,
 * newest first, and only until the page is full, so a page costs the same with
 * a hundred or a hundred thousand sessions of history.
 */

export interface ListFilter {
  /** Sessions run in this directory or below it (compared as given and as a real path). */
  cwd?: string[];
  /** Substring of the label, case-insensitive. */
  label?: string;
  /** ISO times, on createdAt: since inclusive, until exclusive. */
  since?: string;
  until?: string;
  status?: Status;
}

/** Where the previous page stopped: the last session it returned. */
export interface Cursor {
  createdAt: string;
  id: string;
}

/** The cursor as the caller sees it: opaque, URL-safe. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');
}

export function decodeCursor(text: string): Cursor {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    if (typeof createdAt === 'string' && typeof id === 'string') return { createdAt, id };
  } catch {
    // Reported below.
  }
  throw new UserError('bad_input', 'cursor is not a nextCursor from codex_status; start again without cursor.');
}

export interface ListPage {
  sessions: Session[];
  nextCursor: Cursor | null;
}

type Listed = { createdAt: string; id: string; label: string | null; cwd: string; realCwd?: string; status: Status };

export async function listSessions(registry: Registry, filter: ListFilter, cursor: Cursor | null, limit: number): Promise<ListPage> {
  const data = await registry.read();
  const live = sessionsNewestFirst(data).filter((s) => matches(summaryOf(s), filter) && isAfter(s, cursor));
  const archived = archivedEntries(registry, filter, cursor, (id) => Object.hasOwn(data.sessions, id));
  const page: Session[] = [];
  let nextLive = 0;
  let nextArchived = await archived.next();
  while (page.length < limit) {
    const fromLive = live[nextLive];
    const fromArchive = nextArchived.done ? undefined : nextArchived.value;
    if (!fromLive && !fromArchive) break;
    if (fromLive && (!fromArchive || newestFirst(fromLive, fromArchive) <= 0)) {
      page.push(fromLive);
      nextLive += 1;
      continue;
    }
    // The index says it is archived; its record may be gone (forgotten meanwhile): skip it then.
    const session = (await registry.archive.get(fromArchive!.id)).session;
    if (session) page.push(session);
    nextArchived = await archived.next();
  }
  const more = nextLive < live.length || !nextArchived.done;
  const last = page.at(-1);
  return { sessions: page, nextCursor: more && last ? { createdAt: last.createdAt, id: last.id } : null };
}

async function* archivedEntries(registry: Registry, filter: ListFilter, cursor: Cursor | null, isLive: (id: string) => boolean): AsyncGenerator<IndexEntry> {
  const index = registry.archive.index;
  for (const shard of await index.shards()) {
    // Shards are days of creation: skip the ones no wanted session can be in.
    if (filter.until && shard > shardOf(filter.until)) continue;
    if (cursor && shard > shardOf(cursor.createdAt)) continue;
    if (filter.since && shard < shardOf(filter.since)) break;
    for (const entry of await index.entries(shard)) {
      if (!isLive(entry.id) && matches(entry, filter) && isAfter(entry, cursor)) yield entry;
    }
  }
}

function summaryOf(session: Session): Listed {
  return { ...session, status: latestTurn(session).status };
}

function isAfter(item: { createdAt: string; id: string }, cursor: Cursor | null): boolean {
  return cursor === null || newestFirst(cursor, item) < 0;
}

function matches(item: Listed, filter: ListFilter): boolean {
  if (filter.status && item.status !== filter.status) return false;
  if (filter.since && item.createdAt < filter.since) return false;
  if (filter.until && item.createdAt >= filter.until) return false;
  if (filter.label && !(item.label ?? '').toLowerCase().includes(filter.label.toLowerCase())) return false;
  if (filter.cwd) {
    const dirs = [item.cwd, item.realCwd].filter((d): d is string => d !== undefined);
    if (!filter.cwd.some((wanted) => dirs.some((dir) => isWithin(dir, wanted)))) return false;
  }
  return true;
}

function isWithin(dir: string, parent: string): boolean {
  const base = parent.endsWith('/') ? parent : `${parent}/`;
  return dir === parent || dir.startsWith(base);
}

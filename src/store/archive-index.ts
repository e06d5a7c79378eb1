import { appendFile, mkdir, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { writePrivateFile } from './private-file.ts';
import { latestTurn, STATUSES, type Session } from './session.ts';

/**
 * The index of archived sessions: one small line per session, in one shard per
 * day of creation (`archive/index/2026-12-02.jsonl`), so a listing reads only
 * the newest days it needs and nothing reads every record. A shard is only
 * appended to; a later line for the same id replaces an earlier one (a session
 * archived again after a resume), and `forgotten` removes it.
 */

export const indexEntrySchema = z.object({
  id: z.string(),
  createdAt: z.string(),
  endedAt: z.string().nullable(),
  label: z.string().nullable(),
  cwd: z.string(),
  realCwd: z.string().optional(),
  status: z.enum(STATUSES),
  forgotten: z.literal(true).optional(),
});
export type IndexEntry = z.infer<typeof indexEntrySchema>;

export function indexEntryOf(session: Session): IndexEntry {
  const turn = latestTurn(session);
  return {
    id: session.id,
    createdAt: session.createdAt,
    endedAt: turn.endedAt,
    label: session.label,
    cwd: session.cwd,
    ...(session.realCwd ? { realCwd: session.realCwd } : {}),
    status: turn.status,
  };
}

/** The shard a session belongs to: the UTC day it was created. */
export function shardOf(createdAt: string): string {
  return createdAt.slice(0, 10);
}

/** About a week of days: what listings without a filter, and status calls, read again and again. */
const CACHED_SHARDS = 8;

const SHARD_NAME = /^(\d{4}-\d{2}-\d{2})\.jsonl$/;

export class ArchiveIndex {
  readonly #dir: string;
  /**
   * Parsed shards, reused while the file is unchanged (appends change its size). Only the few used
   * last: a listing with a filter that matches little reads old shards once, without keeping them all.
   */
  readonly #cache = new Map<string, { key: string; entries: IndexEntry[] }>();

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** Appends entries, grouped by shard, and makes them durable before returning. */
  async append(entries: IndexEntry[]): Promise<void> {
    const byShard = new Map<string, IndexEntry[]>();
    for (const entry of entries) {
      const shard = shardOf(entry.createdAt);
      const lines = byShard.get(shard) ?? [];
      lines.push(entry);
      byShard.set(shard, lines);
    }
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    for (const [shard, lines] of byShard) {
      const file = this.#file(shard);
      // One write call per shard: concurrent appenders never interleave inside a line.
      await appendFile(file, lines.map((line) => `${JSON.stringify(line)}\n`).join(''), { mode: 0o600 });
      const handle = await open(file, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
  }

  /** Shard days, newest first. */
  async shards(): Promise<string[]> {
    const names = await readdir(this.#dir).catch(() => [] as string[]);
    return names
      .map((name) => SHARD_NAME.exec(name)?.[1])
      .filter((day): day is string => day !== undefined)
      .sort()
      .reverse();
  }

  /** The live entries of one shard (latest line per id, forgotten ones dropped), newest first. */
  async entries(shard: string): Promise<IndexEntry[]> {
    const file = this.#file(shard);
    const info = await stat(file).catch(() => undefined);
    if (!info) return [];
    const key = `${info.ino}:${info.size}:${info.mtimeMs}`;
    const cached = this.#cache.get(shard);
    if (cached?.key === key) {
      this.#cache.delete(shard);
      this.#cache.set(shard, cached);
      return cached.entries;
    }
    const latest = new Map<string, IndexEntry>();
    for (const line of (await readFile(file, 'utf8')).split('\n')) {
      if (line === '') continue;
      // A torn last line (a crash mid-append) is skipped; the session is still live, or archived again.
      const parsed = safeJson(line);
      const entry = indexEntrySchema.safeParse(parsed);
      if (entry.success) latest.set(entry.data.id, entry.data);
    }
    const entries = [...latest.values()].filter((entry) => !entry.forgotten).sort(newestFirst);
    this.#cache.delete(shard);
    this.#cache.set(shard, { key, entries });
    // A Map iterates in insertion order: the first key is the one used longest ago.
    if (this.#cache.size > CACHED_SHARDS) this.#cache.delete(this.#cache.keys().next().value!);
    return entries;
  }

  /** The entry of one session, found through the day its id says it was created. */
  async find(id: string, createdAt: string): Promise<IndexEntry | undefined> {
    return (await this.entries(shardOf(createdAt))).find((entry) => entry.id === id);
  }

  /** Rewrites one shard without the given ids (retention): a rename, so readers see the old or the new shard. */
  async rewriteWithout(shard: string, ids: Set<string>): Promise<void> {
    const kept = (await this.entries(shard)).filter((entry) => !ids.has(entry.id));
    if (kept.length === 0) await rm(this.#file(shard), { force: true });
    else await writePrivateFile(this.#file(shard), kept.map((entry) => `${JSON.stringify(entry)}\n`).join(''));
    this.#cache.delete(shard);
  }

  #file(shard: string): string {
    return path.join(this.#dir, `${shard}.jsonl`);
  }
}

export function newestFirst(a: { createdAt: string; id: string }, b: { createdAt: string; id: string }): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.id === b.id ? 0 : a.id < b.id ? 1 : -1;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

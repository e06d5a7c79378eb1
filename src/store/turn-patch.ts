import { readFile } from 'node:fs/promises';
import type { Paths } from './paths.ts';

/**
 * A turn's unified patch as text (what it changed in its git work tree), or for
 * `cumulative` the isolated session's whole worktree against its base after that
 * turn. Null when there is none: outside git, before the turn ended, or when the
 * diff could not be recorded.
 */
export async function readTurnPatch(paths: Paths, sessionId: string, turn: number, cumulative = false): Promise<string | null> {
  const file = paths.turnFile(sessionId, turn, cumulative ? 'cumulative.patch' : 'diff.patch');
  return readFile(file, 'utf8').catch(() => null);
}

import { readFile } from 'node:fs/promises';
import type { Paths } from './paths.ts';

/**
 * The text of a turn's answer: Codex's `-o` file once the turn succeeded
 * (exactly the last agent message), else the latest agent message the runner
 * saw so far. Null when Codex has not said anything yet.
 */
export async function readTurnText(paths: Paths, sessionId: string, turn: number): Promise<string | null> {
  for (const kind of ['last-message.txt', 'message.txt'] as const) {
    const text = await readFile(paths.turnFile(sessionId, turn, kind), 'utf8').catch(() => '');
    if (text !== '') return text;
  }
  return null;
}

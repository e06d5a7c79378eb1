import type { Progress } from '../codex/fold-events.ts';
import { errorMessage } from '../errors.ts';
import type { Paths } from '../store/paths.ts';
import { writePrivateFile } from '../store/private-file.ts';
import { readTurnText } from '../store/turn-text.ts';

export interface StoredAnswer {
  /** The answer as stored, which codex_result will serve. */
  text: string | null;
  /** The length of the whole answer (the stored one when nothing better is known). */
  fullChars: number | null;
  /** Set only when the stored answer is shorter than the whole: how much of it was kept. */
  storedChars: number | null;
}

/**
 * Makes sure the stored answer is the one Codex gave. Codex writes its last
 * message to the -o file, and a write that fails half-way (disk full) leaves a
 * cut answer that reads like a whole one. The runner saw the whole message on
 * stdout: when the file differs it writes the message there itself, and if that
 * fails too it records how much was kept, so status and result can say so.
 * `progress` is null when the last message was too long to read from stdout.
 */
export async function checkStoredAnswer(
  paths: Paths,
  sessionId: string,
  turn: number,
  progress: Progress | null,
  log: (message: string) => void,
  write: (file: string, text: string) => Promise<void> = writePrivateFile,
): Promise<StoredAnswer> {
  const stored = await readTurnText(paths, sessionId, turn);
  const whole = progress?.completed ? progress.lastMessage : null;
  if (whole === null || stored === whole) return { text: stored, fullChars: stored?.length ?? null, storedChars: null };
  log(`the stored answer (${stored?.length ?? 0} characters) differs from Codex's last message (${whole.length}); writing it again`);
  try {
    await write(paths.turnFile(sessionId, turn, 'last-message.txt'), whole);
  } catch (error) {
    log(`could not store the answer: ${errorMessage(error)}`);
  }
  const again = await readTurnText(paths, sessionId, turn);
  if (again === whole) return { text: again, fullChars: whole.length, storedChars: null };
  return { text: again, fullChars: whole.length, storedChars: again?.length ?? 0 };
}

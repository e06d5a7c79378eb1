import { writePrivateFile } from '../store/private-file.ts';
import type { Progress } from '../codex/fold-events.ts';
import type { Registry } from '../store/registry.ts';
import { applyProgress, findTurn } from '../store/transitions.ts';
import { errorMessage } from '../errors.ts';

/**
 * Persists a turn's progress: at once on a state transition (thread started,
 * turn ended), otherwise at most once per interval, so a Codex run streaming
 * thousands of events costs about one registry write a second. Writes are
 * serialised; the last progress always lands.
 */
export class ProgressWriter {
  readonly #registry: Registry;
  readonly #sessionId: string;
  readonly #turn: number;
  readonly #messageFile: string;
  readonly #intervalMs: number;
  readonly #log: (message: string) => void;
  #pending: { progress: Progress; lastEventAt: string | null } | undefined;
  #writtenMessage: string | null = null;
  #lastWriteAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #chain: Promise<void> = Promise.resolve();
  writes = 0;

  constructor(
    registry: Registry,
    target: { sessionId: string; turn: number; messageFile: string },
    log: (message: string) => void,
    intervalMs = 1000,
  ) {
    this.#registry = registry;
    this.#sessionId = target.sessionId;
    this.#turn = target.turn;
    this.#messageFile = target.messageFile;
    this.#intervalMs = intervalMs;
    this.#log = log;
  }

  push(progress: Progress, lastEventAt: string | null, urgent: boolean): void {
    this.#pending = { progress, lastEventAt };
    if (urgent) {
      void this.flush();
      return;
    }
    if (this.#timer) return;
    const wait = Math.max(0, this.#lastWriteAt + this.#intervalMs - Date.now());
    this.#timer = setTimeout(() => void this.flush(), wait);
  }

  /** Writes whatever is pending; resolves when everything pushed so far is on disk. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    // A failed write is logged and the next one carries the same (newer) state: progress is never fatal.
    this.#chain = this.#chain.then(() => this.#writePending()).catch((error) => this.#log(`progress write failed: ${errorMessage(error)}`));
    return this.#chain;
  }

  async #writePending(): Promise<void> {
    const pending = this.#pending;
    if (!pending) return;
    this.#pending = undefined;
    this.#lastWriteAt = Date.now();
    const message = pending.progress.lastMessage;
    if (message !== null && message !== this.#writtenMessage) {
      // The answer so far, for codex_result while the turn runs; kept out of the registry, which stays small.
      await writePrivateFile(this.#messageFile, message);
      this.#writtenMessage = message;
    }
    await this.#registry.update((data) => {
      const found = findTurn(data, this.#sessionId, this.#turn);
      if (found) applyProgress(found.session, found.turn, pending.progress, pending.lastEventAt);
    });
    this.writes += 1;
  }
}

/**
 * One process's registry changes, committed in groups: every change that
 * arrives while a write is under way waits for it, and all of them then go
 * into the next write together, in arrival order. A burst of launches in one
 * server (or the updates of a runner's turn) costs two lock cycles and two
 * fsync'd writes, not one of each per change, and the process's own changes
 * never poll the file lock against each other (issue 12).
 *
 * Each change keeps the meaning it has alone: it sees the data as the changes
 * before it left it, gets its own result or error, and one that throws leaves
 * nothing behind (the data is put back as it was before it ran). A group in
 * which every change threw writes nothing.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

type Change<D> = {
  mutate: (data: D) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
};

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Runs `apply` on the freshest data under the lock and writes what it returns (nothing when it
 * returns null); may run `apply` again from a fresh read (a lost lock).
 */
export type Commit<D> = (apply: (data: D) => Promise<D | null>) => Promise<void>;

export class WriteQueue<D extends object> {
  readonly #commit: Commit<D>;
  readonly #explain: (error: unknown) => unknown;
  #waiting: Change<D>[] = [];
  #writing = false;
  /** Marks what a change runs (while it runs): a change that waited for a change of its own would wait forever. */
  readonly #inChange = new AsyncLocalStorage<{ running: boolean }>();

  /** `explain` turns a change's own error into what its caller sees (as the commit's errors are). */
  constructor(commit: Commit<D>, explain: (error: unknown) => unknown = (error) => error) {
    this.#commit = commit;
    this.#explain = explain;
  }

  enqueue<T>(mutate: (data: D) => T | Promise<T>): Promise<T> {
    if (this.#inChange.getStore()?.running) return Promise.reject(new Error('A registry change cannot wait for another change of the same process: make it one change.'));
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push({ mutate, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#writing) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#waiting.length > 0) await this.#write();
    } finally {
      this.#writing = false;
    }
  }

  async #write(): Promise<void> {
    let outcomes: Outcome[] = [];
    // The group is what has arrived by the time the lock is held and the data read: changes that
    // come while the lock is being taken still make this write.
    let group: Change<D>[] | undefined;
    const take = () => (group ??= this.#waiting.splice(0));
    // Changes that were waiting when this attempt began: a lock never obtained fails them, not the
    // ones that came after (they get their own full wait).
    const waitingAtStart = this.#waiting.length;
    try {
      await this.#commit(async (data) => {
        const group = take();
        outcomes = [];
        for (const change of group) {
          // Alone, a change that throws is simply not written; in a group, what it did is undone. (Not
          // by making the others again: a change may hold on to objects it put into the data.)
          const before = group.length > 1 ? structuredClone(data) : undefined;
          try {
            outcomes.push({ ok: true, value: await this.#run(change, data) });
          } catch (error) {
            outcomes.push({ ok: false, error });
            if (before) restore(data, before);
          }
        }
        return outcomes.some((outcome) => outcome.ok) ? data : null;
      });
    } catch (error) {
      for (const change of group ?? this.#waiting.splice(0, waitingAtStart)) change.reject(error);
      return;
    }
    group!.forEach((change, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) change.resolve(outcome.value);
      else change.reject(this.#explain(outcome.error));
    });
  }

  async #run(change: Change<D>, data: D): Promise<unknown> {
    const mark = { running: true };
    try {
      return await this.#inChange.run(mark, () => change.mutate(data));
    } finally {
      mark.running = false; // work it left behind (a timer, a later promise) may change the registry
    }
  }
}

function restore<D extends object>(data: D, before: D): void {
  for (const key of Object.keys(data)) delete (data as Record<string, unknown>)[key];
  Object.assign(data, before);
}

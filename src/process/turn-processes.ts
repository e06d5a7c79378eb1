import { readFileSync } from 'node:fs';
import { allPids, isProcessAlive, processStat, type ProcessStat } from './liveness.ts';

/**
 * Finds every process a turn started, wherever it went. Codex's commands do not
 * stay in the runner's process group: under `danger-full-access` Codex starts
 * each in a session of its own, and anything can `setsid` and double-fork away
 * from its parent. Two facts survive that (Linux /proc):
 * - the parent chain, while it lasts: the tree below the runner is snapshotted
 *   every second, so a process seen once is known by pid and start time even
 *   after it is reparented;
 * - the environment: Codex gets `CODEX_DELEGATE_TURN=<session>/<turn>` and passes
 *   it down to every command (its default shell environment policy keeps it), so a
 *   process that carries it belongs to this turn, however it detached.
 * Out of reach: a process that dropped the variable (`env -i`, or a program that
 * sets its own environment) and left the tree between two snapshots, and
 * processes of another user (e.g. through sudo) whose environment cannot be read.
 */
export const TURN_VARIABLE = 'CODEX_DELEGATE_TURN';

export function turnMarker(sessionId: string, turn: number): string {
  return `${sessionId}/${turn}`;
}

export class TurnProcesses {
  readonly #root: number;
  /** Null: only the root's descendants count (see killOwnDescendants). */
  readonly #needle: Buffer | null;
  /** pid → start time of every process known to belong to the turn. */
  readonly #known = new Map<number, string>();
  /** `pid:start time` → whether it carries the marker; each process's environment is read once. */
  readonly #checked = new Map<string, boolean>();
  #timer: NodeJS.Timeout | undefined;

  /** Children of the root that are not the turn's, with what they start: the runners of other turns it started (runner/main.ts). */
  readonly #spared: ReadonlyMap<number, string>;

  constructor(marker: string | null, root = process.pid, spared: ReadonlyMap<number, string> = new Map()) {
    this.#root = root;
    this.#needle = marker === null ? null : Buffer.from(`\0${TURN_VARIABLE}=${marker}\0`);
    this.#spared = spared;
  }

  /** Snapshots now and then every `intervalMs` until `reap`. */
  watch(intervalMs = 1000): void {
    this.scan();
    this.#timer = setInterval(() => this.scan(), intervalMs);
    this.#timer.unref();
  }

  /** Adds what belongs to the turn now: descendants of the root, and carriers of the marker. */
  scan(): ProcessStat[] {
    const stats = allPids()
      .map((pid) => processStat(pid))
      .filter((stat): stat is ProcessStat => stat !== undefined && !stat.zombie);
    const children = new Map<number, ProcessStat[]>();
    for (const stat of stats) {
      const siblings = children.get(stat.ppid);
      if (siblings) siblings.push(stat);
      else children.set(stat.ppid, [stat]);
    }
    const queue = [this.#root];
    while (queue.length > 0) {
      for (const child of children.get(queue.pop()!) ?? []) {
        if (this.#known.get(child.pid) === child.startTime || this.#spared.get(child.pid) === child.startTime) continue;
        this.#known.set(child.pid, child.startTime);
        queue.push(child.pid);
      }
    }
    const present = new Set<string>();
    for (const stat of stats) {
      const key = `${stat.pid}:${stat.startTime}`;
      present.add(key);
      if (stat.pid === this.#root || stat.pid === process.pid || this.#known.get(stat.pid) === stat.startTime) continue;
      let carries = this.#checked.get(key);
      if (carries === undefined) this.#checked.set(key, (carries = this.#carriesMarker(stat.pid)));
      if (carries) this.#known.set(stat.pid, stat.startTime);
    }
    for (const key of this.#checked.keys()) if (!present.has(key)) this.#checked.delete(key);
    return stats;
  }

  /**
   * SIGKILLs whatever of the turn is still alive: known processes (same start
   * time, so a reused pid is spared) and every member of a session or group one
   * of them leads (a pid cannot be reused while its session or group has members).
   * Stops the snapshots. Returns the pids it signalled.
   */
  reap(): number[] {
    clearInterval(this.#timer);
    const stats = this.scan();
    const leaders = new Set([...this.#known.keys()].filter((pid) => isProcessAlive(pid, this.#known.get(pid)!) || !stats.some((s) => s.pid === pid)));
    const killed: number[] = [];
    for (const stat of stats) {
      if (stat.pid === process.pid || stat.pid === this.#root) continue;
      const known = this.#known.get(stat.pid) === stat.startTime;
      if (!known && !leaders.has(stat.sid) && !leaders.has(stat.pgid)) continue;
      try {
        process.kill(stat.pid, 'SIGKILL');
        killed.push(stat.pid);
      } catch {
        // Gone already, or not ours to signal.
      }
    }
    return killed;
  }

  #carriesMarker(pid: number): boolean {
    if (this.#needle === null) return false;
    try {
      const environ = readFileSync(`/proc/${pid}/environ`);
      // Entries are NUL-separated; a leading NUL makes the first one match like the rest.
      return Buffer.concat([Buffer.from([0]), environ, Buffer.from([0])]).includes(this.#needle);
    } catch {
      return false;
    }
  }
}

/**
 * SIGKILLs what this process started and still has (but `spared`), by descent only: a runner whose
 * claim failed stops its early Codex and anything that started, never what carries the turn's
 * marker, which belongs to the runner that owns the turn.
 */
export function killOwnDescendants(spared: ReadonlyMap<number, string> = new Map()): number {
  return new TurnProcesses(null, process.pid, spared).reap().length;
}

/** SIGKILLs every process carrying a turn's marker: what a dead runner's turn left outside its group. */
export function killTurnLeftovers(marker: string): number {
  const tracker = new TurnProcesses(marker, -1);
  return tracker.reap().length;
}

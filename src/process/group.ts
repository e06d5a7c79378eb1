import { allPids, processStat } from './liveness.ts';

/**
 * The runner leads its own process group and keeps Codex in it, so the group
 * id (= the runner's pid) names everything a turn started. Used by the runner,
 * by cancel, and by whoever reconciles a dead runner.
 */

/** Pids whose process group is `pgid` (Linux only; empty elsewhere). */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const pid of allPids()) {
    const stat = processStat(pid);
    // Zombies hold nothing and are skipped.
    if (stat && !stat.zombie && stat.pgid === pgid) members.push(pid);
  }
  return members;
}

/** Sends `signal` to the whole group; false when the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  // -0 is our own group and -1 every process we may signal: never a group we recorded.
  if (!isGroupId(pgid)) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILLs every member of the group except the calling process. Returns how many were killed. */
export function reapGroup(pgid: number): number {
  let killed = 0;
  for (const pid of groupMembers(pgid)) {
    if (pid === process.pid) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed += 1;
    } catch {
      // Already gone.
    }
  }
  return killed;
}

/**
 * Kills what a dead runner left in its group. Only when no process has the
 * leader's pid: while the group has members its id cannot be handed to a new
 * process, but once empty a new process may lead a group with the same id.
 */
export function killOrphanedGroup(leaderPid: number): void {
  if (!isGroupId(leaderPid)) return;
  try {
    process.kill(leaderPid, 0);
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') return;
  }
  signalGroup(leaderPid, 'SIGKILL');
}

function isGroupId(pgid: number): boolean {
  return Number.isInteger(pgid) && pgid > 1;
}

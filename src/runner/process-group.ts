import { readFileSync, readdirSync } from 'node:fs';

/**
 * The runner leads its own process group and keeps Codex in it, so the group
 * id (= the runner's pid) names everything a turn started. These helpers read
 * /proc on Linux; elsewhere they degrade to what `kill` alone can tell.
 */

/** Start time of a process (clock ticks since boot, Linux) so a reused pid is not mistaken for ours. */
export function processStartTime(pid: number): string | null {
  const fields = statFields(pid);
  return fields?.[19] ?? null;
}

/** Where a process sits in the tree, from /proc/<pid>/stat; undefined when it is gone or unreadable. */
export interface ProcessStat {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  startTime: string;
  zombie: boolean;
}

export function processStat(pid: number): ProcessStat | undefined {
  const fields = statFields(pid);
  const startTime = fields?.[19];
  if (!fields || startTime === undefined) return undefined;
  // After the command name: state, ppid, pgrp, session, …, starttime (the 20th).
  return { pid, ppid: Number(fields[1]), pgid: Number(fields[2]), sid: Number(fields[3]), startTime, zombie: fields[0] === 'Z' };
}

/** Every pid in /proc (Linux); empty elsewhere. */
export function allPids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .map(Number);
  } catch {
    return [];
  }
}

/** True when `pid` runs and, if a start time was recorded, is still the same process. */
export function isProcessAlive(pid: number, startTime: string | null): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  if (startTime === null) return true;
  const now = processStartTime(pid);
  return now === null || now === startTime;
}

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

/** Fields of /proc/<pid>/stat after the command name, which may itself contain spaces or ')'. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/**
 * Kills what a dead runner left in its group. Only when no process has the
 * leader's pid: while the group has members its id cannot be handed to a new
 * process, but once empty a new process may lead a group with the same id.
 */
export function killOrphanedGroup(leaderPid: number): void {
  try {
    process.kill(leaderPid, 0);
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') return;
  }
  signalGroup(leaderPid, 'SIGKILL');
}

import { readdirSync, readFileSync } from 'node:fs';

/**
 * Is a process still the one we recorded, and where does it sit in the tree?
 * Used by the store (lock owners, runners), the outbox (senders) and the runner
 * alike, so it lives below all three. Reads /proc on Linux; elsewhere it
 * degrades to what `kill` alone can tell.
 */

/** Start time of a process (clock ticks since boot, Linux) so a reused pid is not mistaken for ours. */
export function processStartTime(pid: number): string | null {
  return statFields(pid)?.[19] ?? null;
}

/** The one-letter state of /proc/<pid>/stat (R, S, D, T for stopped, Z for zombie…); null when unknown. */
export function processState(pid: number): string | null {
  return statFields(pid)?.[0] ?? null;
}

/** True when `pid` runs and, if a start time was recorded, is still the same process. A zombie is gone. */
export function isProcessAlive(pid: number, startTime: string | null): boolean {
  // kill(0) and kill(-1) would "succeed" for any process: no recorded process has such a pid.
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const fields = statFields(pid);
  if (fields?.[0] === 'Z') return false;
  if (startTime === null) return true;
  const now = fields?.[19] ?? null;
  return now === null || now === startTime;
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
 * Whether a live process was started with exactly one of these lists of trailing
 * arguments (Linux /proc; false elsewhere): finds a runner that was spawned but
 * has not recorded itself yet, e.g. while it waits for a busy registry lock.
 */
export function processWithArgsExists(...argLists: string[][]): boolean {
  const tails = argLists.map((args) => `\0${args.join('\0')}`);
  for (const pid of allPids()) {
    // Not ourselves: a runner whose claim failed must not take itself for its turn's runner.
    if (pid === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0$/, '');
      if (tails.some((tail) => cmdline.endsWith(tail)) && processState(pid) !== 'Z') return true;
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return false;
}

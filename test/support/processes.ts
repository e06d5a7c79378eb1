import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { groupMembers } from '../../src/process/group.ts';

/** The registry record of a session, read straight from the file as any other process would. */
export async function readSessionRecord(stateDir: string, sessionId: string): Promise<any> {
  const data = JSON.parse(await readFile(path.join(stateDir, 'sessions.json'), 'utf8'));
  return data.sessions[sessionId];
}

/** Waits until no process is left in the group (a turn's runner pid), or fails with the survivors. */
export async function waitGroupGone(pgid: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (groupMembers(pgid).length === 0) return;
    await sleep(50);
  }
  throw new Error(`process group ${pgid} still has members: ${groupMembers(pgid).join(', ')}`);
}

export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pids whose command line contains `text` (Linux /proc): finds processes in any group or session. */
export function processesWith(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').includes(text)) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

// Child process of measure 9 (history-scale): runs the real archiveSettled once
// on a state directory holding a registry of the previous format (every session
// in sessions.json), and prints its time, the time of its phases and the peak
// memory of this process. A child of its own, so the peak is the migration's
// alone and a heap overflow cannot take the benchmark down with it.
import { readFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { archivable, archiveSettled, LIVE_FINISHED_KEEP } from '../src/store/archiving.ts';
import { makePaths } from '../src/store/paths.ts';
import { writePrivateFile } from '../src/store/private-file.ts';
import { Registry } from '../src/store/registry.ts';

const home = process.argv[2];
if (!home) throw new Error('usage: history-migrate.ts <state dir>');

const paths = makePaths(home);
/** What the registry logged (lock trouble, redone writes): part of the result. */
const logged: string[] = [];
const registry = new Registry(paths, (message) => logged.push(`${((performance.now() - t0) / 1000).toFixed(1)} s: ${message}`));
const t0 = performance.now();
const phases: Record<string, number> = {};

/** Wraps a method to add its time to `phases[name]`, without changing what it does. */
function timed<T extends object, K extends keyof T>(target: T, key: K, name: string): void {
  const original = (target[key] as (...args: unknown[]) => Promise<unknown>).bind(target);
  (target as Record<K, unknown>)[key] = async (...args: unknown[]) => {
    const start = performance.now();
    try {
      return await original(...args);
    } finally {
      phases[name] = (phases[name] ?? 0) + performance.now() - start;
    }
  };
}
timed(registry, 'read', 'readMs');
timed(registry.archive, 'writeRecords', 'writeRecordsMs');
timed(registry, 'update', 'lockedUpdateMs');
timed(registry.archive, 'list', 'indexAppendMs');

const cpu0 = process.cpuUsage();
let moved = 0;
let error: string | null = null;
try {
  moved = await archiveSettled(registry);
} catch (failure) {
  error = (failure as Error).message;
}
const ms = performance.now() - t0;
const migrationPhases = { ...phases };
// CPU time against wall time: how much of the migration waits on the disk (fsync) rather than computes.
const cpu = process.cpuUsage(cpu0);
const status = readFileSync('/proc/self/status', 'utf8');
const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
// When the migration failed, the benchmark still needs its history world: it finishes archiveSettled's
// last step itself (nothing else uses this directory): index lines if none were appended, then the
// live file without the archived sessions. Reported as such, never as a migration that worked.
let completedByBench = false;
if (error !== null) {
  const data = await registry.read();
  const candidates = archivable(data, LIVE_FINISHED_KEEP);
  if ((await registry.archive.index.shards()).length === 0) await registry.archive.list(candidates);
  const sessions = { ...data.sessions };
  for (const session of candidates) delete sessions[session.id];
  await writePrivateFile(paths.registry, JSON.stringify({ ...data, sessions }));
  moved = candidates.length;
  completedByBench = true;
}
process.stdout.write(
  `${JSON.stringify({ moved, ms, error, completedByBench, logged, phases: migrationPhases, cpuUserMs: cpu.user / 1000, cpuSystemMs: cpu.system / 1000, vmHwmKb: kb('VmHWM'), maxRssKb: process.resourceUsage().maxRSS, heapLimitMb: Math.round(getHeapStatistics().heap_size_limit / 2 ** 20) })}\n`,
);

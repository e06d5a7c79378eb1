// Child process of measure 9 (history-scale): runs the real archiveSettled once
// on a state directory holding a registry of the previous format (every session
// in sessions.json), and prints its time, the time of its phases and the peak
// memory of this process. A child of its own, so the peak is the migration's
// alone and a heap overflow cannot take the benchmark down with it.
import { readFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { archiveSettled } from '../src/store/archiving.ts';
import { makePaths } from '../src/store/paths.ts';
import { Registry } from '../src/store/registry.ts';

const home = process.argv[2];
if (!home) throw new Error('usage: history-migrate.ts <state dir>');

const registry = new Registry(makePaths(home));
const phases: Record<string, number> = {};
const t0 = performance.now();

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

const moved = await archiveSettled(registry);
const ms = performance.now() - t0;
const status = readFileSync('/proc/self/status', 'utf8');
const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
process.stdout.write(
  `${JSON.stringify({ moved, ms, phases, vmHwmKb: kb('VmHWM'), maxRssKb: process.resourceUsage().maxRSS, heapLimitMb: Math.round(getHeapStatistics().heap_size_limit / 2 ** 20) })}\n`,
);

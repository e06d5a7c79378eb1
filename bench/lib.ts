// Shared helpers for the benchmark: statistics, worlds, registry access, process checks.
import { spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createWorld, type World } from '../test/support/harness.ts';

export { sleep };

/** min / percentiles / max of repeated samples. */
export interface Summary {
  n: number;
  min: number;
  p50: number;
  p95: number;
  max: number;
  mean: number;
}

/** Percentile with linear interpolation between the closest ranks (p in 0..100). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

export function summarize(values: number[]): Summary {
  const finite = values.filter((v) => Number.isFinite(v));
  return {
    n: finite.length,
    min: finite.length ? Math.min(...finite) : NaN,
    p50: percentile(finite, 50),
    p95: percentile(finite, 95),
    max: finite.length ? Math.max(...finite) : NaN,
    mean: finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : NaN,
  };
}

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** "12.3 / 14.0 / 20.1" (min / median / max) with a unit. */
export function mmm(s: Summary, unit = 'ms', digits = 1): string {
  return `${fmt(s.min, digits)} / ${fmt(s.p50, digits)} / ${fmt(s.max, digits)}${unit ? ` ${unit}` : ''}`;
}

export function fmt(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return String(value);
  return value.toFixed(digits);
}

/** One measure's outcome, as written to results.json and the RESULTS.md table. */
export interface MeasureResult {
  id: string;
  name: string;
  how: string;
  /** One cell of text: the headline figure(s). */
  result: string;
  target: string;
  met: boolean | null;
  /** Every number behind the headline, for results.json. */
  figures: Record<string, unknown>;
  /** Diagnostics gathered while measuring (breakdowns, anomalies). */
  notes: string[];
  durationMs: number;
  error?: string;
}

export type Log = (message: string) => void;

export const log: Log = (message) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 23)}] ${message}\n`);

/** Runs `fn` in a fresh world, and always tears down what it started (runner groups included). */
export async function withWorld<T>(extraEnv: Record<string, string>, fn: (world: World) => Promise<T>): Promise<T> {
  const world = await createWorld(extraEnv);
  try {
    return await fn(world);
  } finally {
    await killRunners(world.stateDir);
    await world.close();
  }
}

export interface RegistryFile {
  version: number;
  sessions: Record<string, any>;
}

export async function readRegistry(stateDir: string): Promise<RegistryFile> {
  try {
    return JSON.parse(await readFile(path.join(stateDir, 'sessions.json'), 'utf8')) as RegistryFile;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, sessions: {} };
    throw error;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Pids of the process group `pgid` (the runner leads its own group; Codex is in it). */
export function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSafe('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const s = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = s.slice(s.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z' && Number(fields[2]) === pgid) out.push(Number(entry));
    } catch {
      // gone
    }
  }
  return out;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Waits until the runner (and its group) is gone. */
export async function waitGroupGone(pgid: number, timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pgid) && groupMembers(pgid).length === 0) return true;
    await sleep(20);
  }
  return false;
}

/** Runner processes of this state dir, found by their command line (`runner/main.js <state dir> …`). */
export function runnersOf(stateDir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSafe('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.some((a) => a.endsWith('runner/main.js')) && argv.includes(stateDir)) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

/** Waits for this world's runners to exit; SIGKILLs the groups (runner + Codex) still there after the grace. */
export async function killRunners(stateDir: string, graceMs = 8000): Promise<void> {
  const deadline = Date.now() + graceMs;
  let pids = runnersOf(stateDir);
  while (pids.length > 0 && Date.now() < deadline) {
    await sleep(50);
    pids = runnersOf(stateDir);
  }
  for (const pid of pids) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** Polls until `check` returns a value (not undefined), or throws after the timeout. */
export async function until<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs: number, what: string, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Runs a child process to its exit; resolves with its wall time (ms, spawn → exit) and output. */
export function runProcess(
  command: string,
  args: string[],
  options: { env: Record<string, string>; cwd: string; input?: string },
): Promise<{ ms: number; code: number | null; stdout: string; stderr: string; exitAt: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(command, args, { env: options.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = performance.now() - t0;
      const exitAt = Date.now();
      child.stdout.on('end', () => resolve({ ms, code, stdout, stderr, exitAt }));
      if (child.stdout.readableEnded) resolve({ ms, code, stdout, stderr, exitAt });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** mtime of a file in ms since the epoch, with sub-millisecond precision. */
export async function mtimeMs(file: string): Promise<number> {
  const info = await stat(file, { bigint: true });
  return Number(info.mtimeNs) / 1e6;
}

/** Parses the ISO timestamps the runner writes at the start of each runner.log line. */
export async function runnerLog(stateDir: string, sessionId: string, turn = 1): Promise<{ at: number; text: string }[]> {
  const text = await readFile(path.join(stateDir, 'sessions', sessionId, `turn-${turn}.runner.log`), 'utf8').catch(() => '');
  return text
    .split('\n')
    .map((line) => /^(\d{4}-\d\d-\d\dT[\d:.]+Z) (.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ at: Date.parse(m[1]!), text: m[2]! }));
}

export function turnFile(stateDir: string, sessionId: string, kind: string, turn = 1): string {
  return path.join(stateDir, 'sessions', sessionId, `turn-${turn}.${kind}`);
}

export const TERMINAL = new Set(['succeeded', 'failed', 'timed_out', 'cancelled', 'interrupted']);

// What the numbers were measured on.
import { execFileSync } from 'node:child_process';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CODEX_BIN, ROOT } from '../test/support/harness.ts';

export interface Machine {
  date: string;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  codex: string;
  commit: string;
  loadAverageStart: number[];
  loadAverageEnd?: number[];
  /** Median of 20 fsync'd 16 KB write + rename cycles in the project's temp dir (what every registry write pays). */
  fsyncWriteMs: number;
}

const quiet = (cmd: string, args: string[], cwd = ROOT): string => {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
};

export function describeMachine(): Machine {
  const dirty = quiet('git', ['status', '--porcelain', '--untracked-files=no']) !== '';
  return {
    date: new Date().toISOString(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    codex: quiet(CODEX_BIN, ['--version']),
    commit: `${quiet('git', ['rev-parse', '--short', 'HEAD'])}${dirty ? ' + uncommitted changes' : ''}`,
    loadAverageStart: os.loadavg().map((v) => Math.round(v * 100) / 100),
    fsyncWriteMs: fsyncProbe(),
  };
}

function fsyncProbe(): number {
  const dir = path.join(ROOT, '.cache', 'tmp', `bench-fsync-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const times: number[] = [];
  try {
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const fd = openSync(path.join(dir, 'probe.tmp'), 'w', 0o600);
      writeSync(fd, 'x'.repeat(16_384));
      fsyncSync(fd);
      closeSync(fd);
      renameSync(path.join(dir, 'probe.tmp'), path.join(dir, 'probe.json'));
      times.push(performance.now() - t0);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  times.sort((a, b) => a - b);
  return Math.round(((times[9]! + times[10]!) / 2) * 100) / 100;
}

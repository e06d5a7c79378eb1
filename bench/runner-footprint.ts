// Measure 8 — runner footprint: VmRSS of the runner process (not Codex) read
// from /proc every 100 ms during a `@sleep 3000` turn. Baseline in the same
// run: an idle bare Node process (`node -e setTimeout`) sampled the same way.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { log, mmm, readRegistry, sleep, summarize, until, waitGroupGone, withWorld, type MeasureResult } from './lib.ts';
import { startProduct } from './product.ts';

const RUNS = 3;
const SAMPLE_MS = 100;
const TARGET_MB = 60;

function memory(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** Samples until the process is gone; returns RSS samples and the last high-water mark. */
async function sample(pid: number): Promise<{ rss: number[]; hwm: number }> {
  const rss: number[] = [];
  let hwm = NaN;
  for (;;) {
    const m = memory(pid);
    if (!m || !Number.isFinite(m.rss)) break; // gone (or a zombie: no VmRSS line)
    rss.push(m.rss);
    hwm = m.hwm;
    await sleep(SAMPLE_MS);
  }
  return { rss, hwm };
}

export async function measureRunnerFootprint(): Promise<MeasureResult> {
  const started = performance.now();
  return withWorld({}, async (world) => {
    const server = await startProduct(world.env, world.workspace);
    try {
      const runner: { rss: number[]; hwm: number }[] = [];
      const bare: { rss: number[]; hwm: number }[] = [];
      // No warm-up needed: Codex's first-run set-up happens in Codex, which is not counted.
      for (let i = 0; i < RUNS; i++) {
        const { out } = await server.tool('codex_launch', { prompt: '@sleep 3000\n@reply ok', label: `bench footprint ${i}` });
        const pid = await until(async () => (await readRegistry(world.stateDir)).sessions[out.sessionId]?.turns[0]?.runner?.pid as number | undefined, 30_000, 'the runner pid');
        const run = await sample(pid);
        await waitGroupGone(pid);
        // The same sampling on an idle bare Node process, alternating with the runs.
        const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 1500)'], { stdio: 'ignore' });
        await sleep(100); // past exec: the first samples would be the forked parent's image
        const base = await sample(child.pid!);
        await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.on('exit', resolve)));
        runner.push(run);
        bare.push(base);
      }
      const all = summarize(runner.flatMap((r) => r.rss));
      const perRunMax = summarize(runner.map((r) => Math.max(...r.rss)));
      const hwm = summarize(runner.map((r) => r.hwm));
      const base = summarize(bare.flatMap((r) => r.rss));
      const baseHwm = summarize(bare.map((r) => r.hwm));
      log(`runner RSS ${mmm(all, 'MB')}, HWM ${mmm(hwm, 'MB')}; bare node ${mmm(base, 'MB')}`);
      return {
        id: 'runner-footprint',
        name: '8. Runner footprint',
        how: `VmRSS of the runner (\`turns[0].runner.pid\`; Codex not counted) every ${SAMPLE_MS} ms through a \`@sleep 3000\` turn, ${RUNS} runs; baseline: an idle \`node -e setTimeout\` sampled the same way, alternating`,
        result: `RSS median **${all.p50.toFixed(1)} MB** (samples ${mmm(all, 'MB')}; peak VmHWM ${mmm(hwm, 'MB')}); bare Node ${base.p50.toFixed(1)} MB (HWM ${baseHwm.p50.toFixed(1)} MB): ×${(all.p50 / base.p50).toFixed(2)}`,
        target: `≤ ${TARGET_MB} MB`,
        met: hwm.max <= TARGET_MB,
        figures: {
          rssMb: all,
          perRunMaxRssMb: perRunMax,
          hwmMb: hwm,
          bareNodeRssMb: base,
          bareNodeHwmMb: baseHwm,
          ratioToBareNode: all.p50 / base.p50,
          samples: runner.map((r) => r.rss.length),
        },
        notes: [`met judged on the peak (VmHWM) of every run, not the median sample`],
        durationMs: performance.now() - started,
      };
    } finally {
      await server.close();
    }
  });
}

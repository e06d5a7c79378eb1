// Entry of `npm run bench` (after `npm run build`): runs every measure against
// its baseline in this one process, then writes bench/RESULTS.md and
// bench/results.json. `node bench/run.ts <id> …` runs a subset and only prints.
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { measureColdStart } from './cold-start.ts';
import { measureConcurrency } from './concurrency.ts';
import { measureHistoryScale, saveHistorySection } from './history-scale.ts';
import { measureLaunchLatency } from './launch-latency.ts';
import { log, withWorld, type MeasureResult } from './lib.ts';
import { describeMachine } from './machine.ts';
import { measureNotifyLatency } from './notify-latency.ts';
import { measureOverhead } from './overhead.ts';
import { renderReport } from './report.ts';
import { measureRunnerFootprint } from './runner-footprint.ts';
import { runStartupDiagnostics, type StartupDiagnostics } from './startup-diagnostics.ts';
import { measureStatusScale } from './status-scale.ts';
import { measureWriteAmplification } from './write-amplification.ts';

// node:module's stripTypeScriptTypes (bench/baseline.ts) is experimental; say so once, not per call.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name !== 'ExperimentalWarning') process.stderr.write(`${w.name}: ${w.message}\n`);
});

const MEASURES: { id: string; name: string; run: () => Promise<MeasureResult>; target: string }[] = [
  { id: 'launch-latency', name: '1. Launch latency', run: measureLaunchLatency, target: 'p50 ≤ 25 ms, p95 ≤ 60 ms' },
  { id: 'cold-start', name: '2. Cold start', run: measureColdStart, target: 'ratio ≤ 0.8' },
  { id: 'overhead', name: '3. Overhead over bare Codex', run: measureOverhead, target: 'added ≤ 200 ms' },
  { id: 'notify-latency', name: '4. Notify latency', run: measureNotifyLatency, target: 'p50 ≤ 100 ms' },
  { id: 'write-amplification', name: '5. Write amplification', run: measureWriteAmplification, target: '≤ 2 writes/s' },
  { id: 'status-scale', name: '6. Status at scale', run: measureStatusScale, target: 'p50 ≤ 20 ms' },
  { id: 'concurrency', name: '7. Concurrency', run: measureConcurrency, target: '0 lost updates; ratio ≤ 1.5' },
  { id: 'runner-footprint', name: '8. Runner footprint', run: measureRunnerFootprint, target: '≤ 60 MB' },
  { id: 'history-scale', name: '9. History at scale', run: measureHistoryScale, target: 'see its section' },
];

async function main(args: string[]): Promise<void> {
  const unknown = args.filter((a) => a !== 'diagnostics' && !MEASURES.some((m) => m.id === a));
  if (unknown.length) throw new Error(`unknown measure ${unknown.join(', ')}; known: ${MEASURES.map((m) => m.id).join(', ')}, diagnostics`);
  const full = args.length === 0;
  const selected = full ? MEASURES : MEASURES.filter((m) => args.includes(m.id));
  const t0 = performance.now();
  const machine = describeMachine();
  log(`machine: ${machine.cpuModel}, ${machine.cores} cores, load ${machine.loadAverageStart.join(' ')}; ${machine.node}; ${machine.codex}`);

  const results: MeasureResult[] = [];
  for (const measure of selected) {
    log(`— ${measure.name}`);
    const started = performance.now();
    try {
      results.push(await measure.run());
    } catch (error) {
      // One broken measure must not cost the others; it shows as an error row.
      log(`${measure.id} failed: ${(error as Error).stack ?? error}`);
      results.push({
        id: measure.id,
        name: measure.name,
        how: '',
        result: '',
        target: measure.target,
        met: null,
        figures: {},
        notes: [],
        durationMs: performance.now() - started,
        error: String((error as Error).message ?? error).slice(0, 300),
      });
    }
  }

  let diagnostics: StartupDiagnostics | undefined;
  if (full || args.includes('diagnostics')) {
    log('— start-up diagnostics (what-if)');
    diagnostics = await withWorld({}, (world) => runStartupDiagnostics(world.env, world.workspace)).catch((error) => {
      log(`diagnostics failed: ${(error as Error).stack ?? error}`);
      return undefined;
    });
  }
  machine.loadAverageEnd = os.loadavg().map((v) => Math.round(v * 100) / 100);
  const totalSeconds = (performance.now() - t0) / 1000;

  const report = renderReport(machine, results, diagnostics, totalSeconds);
  if (full) {
    const dir = (name: string) => fileURLToPath(new URL(name, import.meta.url));
    await writeFile(dir('./results.json'), `${JSON.stringify({ machine, totalSeconds, measures: results, diagnostics }, null, 2)}\n`);
    await writeFile(dir('./RESULTS.md'), report);
    log(`wrote bench/RESULTS.md and bench/results.json (${totalSeconds.toFixed(0)} s)`);
  }
  process.stdout.write(
    [
      '',
      '| measure | result | target | met? |',
      '|---|---|---|---|',
      ...results.map((r) => `| ${r.name} | ${r.error ? `error: ${r.error}` : r.result} | ${r.target} | ${r.error ? 'error' : r.met ? 'yes' : 'no'} |`),
      '',
    ].join('\n'),
  );
  // Measure 9 has its own RESULTS.md section and results.json entry: a subset run refreshes just those.
  const history = results.find((r) => r.id === 'history-scale' && !r.error);
  if (history && !full) {
    await saveHistorySection(history, machine);
    log('updated the "History at scale" section of bench/RESULTS.md and historyScale in bench/results.json');
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${(error as Error).stack ?? error}\n`);
    process.exit(1);
  },
);

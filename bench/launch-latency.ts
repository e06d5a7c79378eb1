// Measure 1 — launch latency: codex_launch call → answer, for a slow task, and
// the same for a three times longer task interleaved with it (the answer must
// not depend on the task's length). Every launch really starts a runner and
// Codex; all are cancelled at the end.
import { log, mmm, readRegistry, round, summarize, until, withWorld, type MeasureResult } from './lib.ts';
import { startProduct } from './product.ts';

const SHORT = 30; // '@sleep 20000'
const LONG = 10; // '@sleep 60000'
const BURST = 10; // back-to-back launches, diagnostic
const TARGET_P50 = 50;

export async function measureLaunchLatency(): Promise<MeasureResult> {
  const started = performance.now();
  // Every launch takes the full path (record + scheduler + runner spawn): none waits in the queue.
  return withWorld({ CODEX_DELEGATE_MAX_CONCURRENT: '64' }, async (world) => {
    const server = await startProduct(world.env, world.workspace);
    try {
      const launch = (prompt: string) =>
        // allowConcurrentWrites: many turns in one workspace would otherwise be serialised by the write-conflict rule.
        server.tool('codex_launch', { prompt, label: 'bench launch', allowConcurrentWrites: true });
      /** Until the turn's runner has Codex going and recorded its thread: the machine is quiet again. */
      const settled = (sessionId: string) =>
        until(async () => ((await readRegistry(world.stateDir)).sessions[sessionId]?.threadId ? true : undefined), 20_000, `${sessionId} to start`);
      const first = await launch('@sleep 20000'); // the first call of a fresh server (lazy init), reported apart
      const ids = [first.out.sessionId as string];
      await settled(first.out.sessionId);

      // Phase 1 (the measure): one launch at a time, the previous turn already running.
      const short: number[] = [];
      const long: number[] = [];
      const statuses = new Map<string, number>();
      // Interleaved (3 short, 1 long, …) so both kinds see the same load and registry size.
      for (let i = 0; i < SHORT + LONG; i++) {
        const isLong = i % 4 === 3;
        const r = await launch(isLong ? '@sleep 60000' : '@sleep 20000');
        (isLong ? long : short).push(r.ms);
        ids.push(r.out.sessionId);
        statuses.set(r.out.status, (statuses.get(r.out.status) ?? 0) + 1);
        await settled(r.out.sessionId);
      }

      // Phase 2 (diagnostic): a burst of launches back to back while their runners and Codexes start.
      const burst: number[] = [];
      for (let i = 0; i < BURST; i++) {
        const r = await launch('@sleep 20000');
        burst.push(r.ms);
        ids.push(r.out.sessionId);
      }
      await Promise.all(ids.slice(-BURST).map(settled));

      const cancels: number[] = [];
      const cancelled = new Map<string, number>();
      for (let i = 0; i < ids.length; i += 8) {
        await Promise.all(
          ids.slice(i, i + 8).map(async (sessionId) => {
            const r = await server.tool('codex_cancel', { sessionId, reason: 'bench done' });
            cancels.push(r.ms);
            cancelled.set(r.out.status, (cancelled.get(r.out.status) ?? 0) + 1);
          }),
        );
      }
      const s = summarize(short);
      const l = summarize(long);
      const b = summarize(burst);
      const medianRatio = l.p50 / s.p50;
      log(`launch: @sleep 20000 ${mmm(s)} p95 ${s.p95.toFixed(1)}; @sleep 60000 ${mmm(l)}; burst ${mmm(b)}; cancel ${mmm(summarize(cancels))}`);
      return {
        id: 'launch-latency',
        name: '1. Launch latency',
        how: `\`codex_launch\` request → answer over stdio; ${SHORT}× \`@sleep 20000\` interleaved with ${LONG}× \`@sleep 60000\` (3:1), each once the previous turn's Codex is running (MAX_CONCURRENT=64 and allowConcurrentWrites, so none is queued); then ${BURST} launches back to back (diagnostic); all cancelled afterwards`,
        result: `@sleep 20000: p50 **${s.p50.toFixed(1)} ms**, p95 ${s.p95.toFixed(1)} ms (${mmm(s)}); @sleep 60000: ${mmm(l)}; median ratio long/short **${medianRatio.toFixed(2)}**; burst of ${BURST}: p50 ${b.p50.toFixed(1)}, p95 ${b.p95.toFixed(1)} ms`,
        target: `p50 ≤ ${TARGET_P50} ms; long/short ≈ 1`,
        met: s.p50 <= TARGET_P50,
        figures: {
          short: s,
          long: l,
          longOverShortMedianRatio: round(medianRatio, 3),
          burst: b,
          firstLaunchMs: round(first.ms),
          answeredStatuses: Object.fromEntries(statuses),
          cancelMs: summarize(cancels),
          cancelledStatuses: Object.fromEntries(cancelled),
        },
        notes: [
          `first launch of a fresh server: ${first.ms.toFixed(1)} ms (not counted)`,
          `burst of ${BURST} back-to-back launches while their runners start: ${mmm(b)}, p95 ${b.p95.toFixed(1)} ms`,
          `answered: ${[...statuses].map(([k, v]) => `${v} ${k}`).join(', ')}; cancel round trip ${mmm(summarize(cancels))} → ${[...cancelled].map(([k, v]) => `${v} ${k}`).join(', ')}`,
        ],
        durationMs: performance.now() - started,
      };
    } finally {
      await server.close();
    }
  });
}

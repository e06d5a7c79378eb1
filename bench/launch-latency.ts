// Measure 1 — launch latency (issue 12): codex_launch request → answer over stdio while the runners
// of the launches start, in three patterns: spaced launches (one every 300 ms, a quarter of them
// three times longer tasks, whose answer must not take longer), bursts of 10 sent at once on one
// connection, and bursts of 10 sent at once over two connections (two servers, one state
// directory, 5 each). Every launch really starts a runner and Codex (MAX_CONCURRENT=64 and
// allowConcurrentWrites, so none waits in the queue); each phase's sessions are cancelled before
// the next phase.
import { log, mmm, readRegistry, round, sleep, summarize, until, withWorld, type MeasureResult, type Summary } from './lib.ts';
import { startProduct, type Product } from './product.ts';

const SPACED = 20;
const SPACING_MS = 300;
const BURST = 10;
const ROUNDS = 3;
const TARGET_P50 = 25;
const TARGET_P95 = 60;

export async function measureLaunchLatency(): Promise<MeasureResult> {
  const started = performance.now();
  return withWorld({ CODEX_DELEGATE_MAX_CONCURRENT: '64' }, async (world) => {
    const one = await startProduct(world.env, world.workspace);
    const two = await startProduct(world.env, world.workspace);
    const launch = (server: Product, prompt: string) =>
      // allowConcurrentWrites: many turns in one workspace would otherwise be serialised by the write-conflict rule.
      server.tool('codex_launch', { prompt, label: 'bench launch', allowConcurrentWrites: true });
    /** Until the turn's runner has Codex going and recorded its thread. */
    const settled = (sessionId: string) =>
      until(async () => ((await readRegistry(world.stateDir)).sessions[sessionId]?.threadId ? true : undefined), 30_000, `${sessionId} to start`);
    const cancelAll = async (ids: string[]) => {
      for (let i = 0; i < ids.length; i += 8) {
        await Promise.all(ids.slice(i, i + 8).map((sessionId) => one.tool('codex_cancel', { sessionId, reason: 'bench done' })));
      }
      await sleep(1000); // their runners finish and leave
    };
    try {
      // The first call of each fresh server (lazy init) is not counted.
      const firsts = [await launch(one, '@sleep 20000'), await launch(two, '@sleep 20000')];
      await Promise.all(firsts.map((f) => settled(f.out.sessionId)));
      await cancelAll(firsts.map((f) => f.out.sessionId));

      // Spaced: one launch every 300 ms whatever the previous runner is doing.
      const short: number[] = [];
      const long: number[] = [];
      const spacedIds: string[] = [];
      const pending: Promise<void>[] = [];
      for (let i = 0; i < SPACED; i++) {
        const isLong = i % 4 === 3;
        pending.push(
          launch(one, isLong ? '@sleep 60000' : '@sleep 20000').then((r) => {
            (isLong ? long : short).push(r.ms);
            spacedIds.push(r.out.sessionId);
          }),
        );
        await sleep(SPACING_MS);
      }
      await Promise.all(pending);
      await Promise.all(spacedIds.map(settled));
      await cancelAll(spacedIds);

      // Bursts: 10 sent at once, on one connection, then split over two; settled between rounds.
      const burst = async (servers: Product[]) => {
        const times: number[] = [];
        const ids: string[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          const answers = await Promise.all(Array.from({ length: BURST }, (_, i) => launch(servers[i % servers.length]!, '@sleep 20000')));
          for (const a of answers) {
            times.push(a.ms);
            ids.push(a.out.sessionId);
          }
          await Promise.all(answers.map((a) => settled(a.out.sessionId)));
        }
        await cancelAll(ids);
        return times;
      };
      const burstOne = await burst([one]);
      const burstTwo = await burst([one, two]);

      const spaced = summarize([...short, ...long]);
      const s = summarize(short);
      const l = summarize(long);
      const b1 = summarize(burstOne);
      const b2 = summarize(burstTwo);
      const all = summarize([...short, ...long, ...burstOne, ...burstTwo]);
      const groups: [string, Summary][] = [
        ['spaced', spaced],
        ['burst of 10, one connection', b1],
        ['burst of 10, two connections', b2],
      ];
      const met = groups.every(([, g]) => g.p50 <= TARGET_P50 && g.p95 <= TARGET_P95);
      const cell = (g: Summary) => `p50 **${g.p50.toFixed(1)} ms**, p95 ${g.p95.toFixed(1)} ms (${mmm(g)})`;
      log(`launch: ${groups.map(([name, g]) => `${name} p50 ${g.p50.toFixed(1)} p95 ${g.p95.toFixed(1)}`).join('; ')}`);
      return {
        id: 'launch-latency',
        name: '1. Launch latency',
        how: `\`codex_launch\` request → answer over stdio while runners start: ${SPACED} launches ${SPACING_MS} ms apart (every 4th \`@sleep 60000\`, the rest \`@sleep 20000\`); ${ROUNDS} bursts of ${BURST} sent at once on one connection; ${ROUNDS} bursts of ${BURST} sent at once over two connections (two servers, one state directory); MAX_CONCURRENT=64 and allowConcurrentWrites, so every launch starts a runner and Codex`,
        result: groups.map(([name, g]) => `${name}: ${cell(g)}`).join('; '),
        target: `p50 ≤ ${TARGET_P50} ms and p95 ≤ ${TARGET_P95} ms in each pattern`,
        met,
        figures: {
          spaced,
          spacedShort: s,
          spacedLong: l,
          longOverShortMedianRatio: round(l.p50 / s.p50, 3),
          burstOneConnection: b1,
          burstTwoConnections: b2,
          all,
          firstLaunchMs: firsts.map((f) => round(f.ms)),
        },
        notes: [
          `first launch of each fresh server: ${firsts.map((f) => f.ms.toFixed(1)).join(' and ')} ms (not counted)`,
          `spaced, by task length: @sleep 20000 ${mmm(s)}, @sleep 60000 ${mmm(l)} (median ratio ${(l.p50 / s.p50).toFixed(2)}: the answer does not wait for the task)`,
        ],
        durationMs: performance.now() - started,
      };
    } finally {
      await one.close();
      await two.close();
    }
  });
}

// Measure 7 — concurrency: 20 launches fired at once from 2 clients (2 server
// processes on one registry), CODEX_DELEGATE_MAX_CONCURRENT=20. Checks that no
// update is lost (20 sessions, all succeeded, complete records) and compares
// the total wall time with one run × ceil(20 / cores), measured alternately.
import os from 'node:os';
import { log, mmm, readRegistry, round, runnersOf, sleep, summarize, waitGroupGone, withWorld, type MeasureResult } from './lib.ts';
import { startProduct, type Product } from './product.ts';

const LAUNCHES = 20;
const ROUNDS = 3;
const TARGET_RATIO = 1.5;

/** Launch → the last of `ids` has its outcome recorded (max endedAt), in ms; plus what the registry says of them. */
async function waitAll(stateDir: string, ids: string[], t0: number): Promise<{ wallMs: number; problems: string[] }> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const data = await readRegistry(stateDir);
    const turns = ids.map((id) => data.sessions[id]?.turns?.[0]);
    if (turns.every((t) => t && t.status !== 'queued' && t.status !== 'running')) {
      const problems: string[] = [];
      for (const [i, id] of ids.entries()) {
        const s = data.sessions[id];
        const t = turns[i];
        if (t.status !== 'succeeded') problems.push(`${id} ${t.status}: ${t.error}`);
        else if (!s.threadId || t.counters.messages !== 1 || t.usage.outputTokens !== 20 || t.resultChars !== 2) problems.push(`${id} incomplete record`);
      }
      const wallMs = Math.max(...turns.map((t) => Date.parse(t.endedAt))) - t0;
      return { wallMs, problems };
    }
    if (Date.now() > deadline) throw new Error('concurrency: turns did not finish within 120 s');
    await sleep(20);
  }
}

async function settle(stateDir: string): Promise<void> {
  for (const pid of runnersOf(stateDir)) await waitGroupGone(pid, 30_000);
}

const launch = (client: Product, tag: string) =>
  // allowConcurrentWrites: all turns share one workspace; without it the write-conflict rule runs them one by one.
  client.tool('codex_launch', { prompt: '@reply ok', label: tag, allowConcurrentWrites: true });

export async function measureConcurrency(): Promise<MeasureResult> {
  const started = performance.now();
  const cores = os.cpus().length;
  const waves = Math.ceil(LAUNCHES / cores);
  return withWorld({ CODEX_DELEGATE_MAX_CONCURRENT: String(LAUNCHES) }, async (world) => {
    const a = await startProduct(world.env, world.workspace);
    const b = await startProduct(world.env, world.workspace);
    try {
      const single = async () => {
        const t0 = Date.now();
        const r = await launch(a, 'bench single');
        const { wallMs, problems } = await waitAll(world.stateDir, [r.out.sessionId], t0);
        if (problems.length) throw new Error(`single run: ${problems.join('; ')}`);
        await settle(world.stateDir);
        return wallMs;
      };
      const burst = async (round: number) => {
        const t0 = Date.now();
        const answers = await Promise.all(
          Array.from({ length: LAUNCHES }, (_, i) => launch(i % 2 ? b : a, `bench burst ${round}.${i}`)),
        );
        const ids = answers.map((r) => r.out.sessionId as string);
        const launchMs = answers.map((r) => r.ms);
        const result = await waitAll(world.stateDir, ids, t0);
        // Lost updates: every launch must be in the registry, once, with its own label.
        const data = await readRegistry(world.stateDir);
        const recorded = Object.values(data.sessions).filter((s: any) => typeof s.label === 'string' && s.label.startsWith(`bench burst ${round}.`));
        if (recorded.length !== LAUNCHES) result.problems.push(`${recorded.length} of ${LAUNCHES} sessions recorded`);
        if (new Set(ids).size !== LAUNCHES) result.problems.push('duplicate session ids');
        const running = answers.filter((r) => r.out.status === 'running').length;
        await settle(world.stateDir);
        return { ...result, launchMs, running };
      };
      await single(); // warm-up: first Codex run in this CODEX_HOME
      const singles: number[] = [];
      const bursts: { wallMs: number; problems: string[]; launchMs: number[]; running: number }[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        singles.push(await single());
        bursts.push(await burst(r));
      }
      const ratios = summarize(bursts.map((x, i) => x.wallMs / (singles[i]! * waves)));
      const burstWall = summarize(bursts.map((x) => x.wallMs));
      const singleWall = summarize(singles);
      const ratio = burstWall.p50 / (singleWall.p50 * waves);
      const problems = bursts.flatMap((x) => x.problems);
      const launchMs = summarize(bursts.flatMap((x) => x.launchMs));
      const data = await readRegistry(world.stateDir);
      const total = Object.keys(data.sessions).length;
      const expected = 1 + ROUNDS * (LAUNCHES + 1);
      log(`concurrency: burst ${mmm(burstWall, 'ms', 0)}, single ${mmm(singleWall, 'ms', 0)}, ratio ${ratio.toFixed(2)}, problems ${problems.length}`);
      return {
        id: 'concurrency',
        name: '7. Concurrency',
        how: `${LAUNCHES} \`@reply ok\` launches at once from 2 clients (2 servers, one registry; MAX_CONCURRENT=${LAUNCHES}, allowConcurrentWrites), wall = launch → last endedAt; vs 1 run × ceil(${LAUNCHES}/${cores} cores) = ×${waves}; ${ROUNDS} rounds, single and burst alternating, after 1 warm-up`,
        result: `ratio **${ratio.toFixed(2)}** (per round ${mmm(ratios, '', 2)}); burst ${mmm(burstWall, 'ms', 0)} vs single ${mmm(singleWall, 'ms', 0)}; lost updates **${problems.length === 0 && total === expected ? 0 : problems.length}** (${total}/${expected} sessions recorded, ${bursts.reduce((n, x) => n + LAUNCHES - x.problems.length, 0)}/${ROUNDS * LAUNCHES} succeeded complete)`,
        target: `0 lost updates; ratio ≤ ${TARGET_RATIO}`,
        met: problems.length === 0 && total === expected && ratio <= TARGET_RATIO,
        figures: {
          ratio: round(ratio, 3),
          perRoundRatio: ratios,
          burstWallMs: burstWall,
          singleWallMs: singleWall,
          cores,
          waves,
          launchMsDuringBurst: launchMs,
          answeredRunning: bursts.map((x) => x.running),
          sessionsRecorded: total,
          sessionsExpected: expected,
          problems,
        },
        notes: [
          `codex_launch round trip while 20 are fired at once: ${mmm(launchMs)}, p95 ${launchMs.p95.toFixed(0)} ms; answered running: ${bursts.map((x) => x.running).join(', ')} of ${LAUNCHES}`,
          ...(problems.length ? [`problems: ${problems.slice(0, 5).join('; ')}`] : []),
        ],
        durationMs: performance.now() - started,
      };
    } finally {
      await a.close();
      await b.close();
    }
  });
}

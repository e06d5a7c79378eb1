// Measure 4 — notify latency: Codex exits → the fake OpenClaw gateway receives
// the ✅ chat message. Codex's exit is taken from the mtime of the turn's
// events file (its last stdout line, written just before it exits); the
// registry's endedAt (outcome persisted) is reported beside it.
import { startFakeGateway, type RecordedCall } from '../test/support/fake-gateway.ts';
import { log, mmm, mtimeMs, readRegistry, summarize, turnFile, waitGroupGone, withWorld, type MeasureResult } from './lib.ts';
import { startProduct } from './product.ts';

const RUNS = 10;
const TARGET_P50 = 100;

export async function measureNotifyLatency(): Promise<MeasureResult> {
  const started = performance.now();
  const gateway = await startFakeGateway();
  try {
    return await withWorld(
      {
        OPENCLAW_GATEWAY_URL: gateway.url,
        OPENCLAW_GATEWAY_TOKEN: gateway.gatewayToken,
        OPENCLAW_HOOKS_TOKEN: gateway.hooksToken,
        OPENCLAW_CONFIG_PATH: '/nonexistent/openclaw.json',
      },
      async (world) => {
        const server = await startProduct(world.env, world.workspace);
        try {
          const fromExit: number[] = [];
          const fromEnded: number[] = [];
          const exitToEnded: number[] = [];
          const wakeFromExit: number[] = [];
          const launchMsgFromLaunch: number[] = [];
          for (let i = 0; i <= RUNS; i++) {
            const launchedAt = Date.now();
            const { out } = await server.tool('codex_launch', { prompt: '@reply ok', label: `bench notify ${i}`, notify: { channel: 'telegram', target: '1' } });
            const id = out.sessionId as string;
            const isFinal = (c: RecordedCall) => c.path === '/tools/invoke' && typeof c.body?.args?.message === 'string' && c.body.args.message.startsWith('✅') && c.body.args.message.includes(id);
            const isLaunch = (c: RecordedCall) => c.path === '/tools/invoke' && typeof c.body?.args?.message === 'string' && c.body.args.message.startsWith('🚀') && c.body.args.message.includes(id);
            const final = await gateway.waitFor(isFinal, 30_000);
            const wake = await gateway.waitFor((c) => c.path.startsWith('/hooks/') && c.at >= final.at && JSON.stringify(c.body).includes(id), 30_000);
            const launchMsg = gateway.calls.find(isLaunch);
            const exit = await mtimeMs(turnFile(world.stateDir, id, 'events.jsonl'));
            const turn = (await readRegistry(world.stateDir)).sessions[id].turns[0];
            if (turn.status !== 'succeeded') throw new Error(`notify run ${id} ended ${turn.status}`);
            const ended = Date.parse(turn.endedAt);
            if (turn.runner?.pid) await waitGroupGone(turn.runner.pid);
            if (i === 0) continue; // warm-up: first Codex run in this CODEX_HOME
            fromExit.push(final.at - exit);
            fromEnded.push(final.at - ended);
            exitToEnded.push(ended - exit);
            wakeFromExit.push(wake.at - exit);
            if (launchMsg) launchMsgFromLaunch.push(launchMsg.at - launchedAt);
          }
          const s = summarize(fromExit);
          log(`notify: exit → ✅ ${mmm(s)}; endedAt → ✅ ${mmm(summarize(fromEnded))}`);
          return {
            id: 'notify-latency',
            name: '4. Notify latency',
            how: `\`@reply ok\` with notify {telegram, 1} against the fake gateway, ${RUNS} runs (after 1 warm-up); gateway receive time of the ✅ message − Codex exit (mtime of turn-1.events.jsonl)`,
            result: `p50 **${s.p50.toFixed(1)} ms**, p95 ${s.p95.toFixed(1)} ms (${mmm(s)}); from outcome persisted (endedAt): ${mmm(summarize(fromEnded))}`,
            target: `p50 ≤ ${TARGET_P50} ms`,
            met: s.p50 <= TARGET_P50,
            figures: {
              exitToFinalMs: s,
              endedAtToFinalMs: summarize(fromEnded),
              exitToEndedAtMs: summarize(exitToEnded),
              exitToWakeMs: summarize(wakeFromExit),
              launchToLaunchMessageMs: summarize(launchMsgFromLaunch),
            },
            notes: [
              `Codex exit → outcome persisted (endedAt) ${mmm(summarize(exitToEnded))}; → agent wake received ${mmm(summarize(wakeFromExit))}; codex_launch → 🚀 received ${mmm(summarize(launchMsgFromLaunch))}`,
            ],
            durationMs: performance.now() - started,
          };
        } finally {
          await server.close();
        }
      },
    );
  } finally {
    await gateway.close();
  }
}


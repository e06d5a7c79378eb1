// Latency of codex_steer and codex_approve on the app-server engine: from the tool call
// (a real MCP client over stdio) to the runner having handed the text or the answer to
// app-server (the `deliveredAt` it records once app-server answered turn/steer, or right
// after it wrote the approval response). Real server, runner and Codex; the mock model.
// Not part of `npm run bench`: run it by hand with `npm run build && node bench/steer-approve-latency.ts`.
import { startClient } from '../test/support/mcp-client.ts';
import { readSessionRecord } from '../test/support/processes.ts';
import { log, mmm, summarize, until, withWorld } from './lib.ts';

const STEERS = Number(process.env.STEERS ?? 15);
const APPROVALS = Number(process.env.APPROVALS ?? 8);

await withWorld({ CODEX_DELEGATE_ENGINE: 'app-server' }, async (world) => {
  const client = await startClient(world.env);
  try {
    // Steers: one long busy turn, a steer every 300 ms once it works.
    const busy = await client.ok('codex_launch', { prompt: `@busy ${STEERS * 1000 + 10_000}`, sandbox: 'read-only', notify: false });
    await until(async () => ((await client.ok('codex_status', { sessionId: busy.sessionId })).counters.commands >= 1 ? true : undefined), 60_000, 'the busy turn');
    const steerMs: number[] = [];
    const callMs: number[] = [];
    for (let i = 0; i < STEERS; i++) {
      const start = Date.now();
      const out = await client.ok('codex_steer', { sessionId: busy.sessionId, prompt: `steer ${i}` });
      callMs.push(Date.now() - start);
      if (!out.delivered) throw new Error(`steer ${i} was not delivered within the call`);
      const status = await client.ok('codex_status', { sessionId: busy.sessionId });
      steerMs.push(Date.parse(status.steers[i].deliveredAt) - start);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    await client.ok('codex_cancel', { sessionId: busy.sessionId });
    log(`codex_steer → delivered to app-server: ${mmm(summarize(steerMs))} (min / median / max of ${STEERS}); whole tool call ${mmm(summarize(callMs))}`);

    // Approvals: one turn asking APPROVALS times in a row.
    const prompt = [...Array(APPROVALS).keys()].map((i) => `@escalate true ${i}`).join('\n') + '\n@reply done';
    const asking = await client.ok('codex_launch', { prompt, approvals: 'ask', sandbox: 'read-only', notify: false });
    const approveMs: number[] = [];
    for (let i = 0; i < APPROVALS; i++) {
      const status = await client.ok('codex_status', { sessionId: asking.sessionId, waitSeconds: 30 });
      const request = status.pendingApprovals?.[0];
      if (!request) throw new Error(`no request ${i}: ${JSON.stringify(status)}`);
      const start = Date.now();
      await client.ok('codex_approve', { sessionId: asking.sessionId, requestId: request.requestId, decision: 'approve' });
      const turn = (await readSessionRecord(world.stateDir, asking.sessionId)).turns[0];
      const delivered = turn.approvalRequests.find((r: { requestId: string }) => r.requestId === request.requestId).deliveredAt;
      approveMs.push(Date.parse(delivered) - start);
    }
    log(`codex_approve → answer delivered to app-server: ${mmm(summarize(approveMs))} (min / median / max of ${APPROVALS})`);
  } finally {
    await client.close();
  }
});

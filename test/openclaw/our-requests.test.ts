// Our own request shapes and our runner's fallback, against a real OpenClaw gateway.
// Skipped with the reason when OpenClaw is not installed (see test/support/real-openclaw.ts).
import assert from 'node:assert/strict';
import { after, before, describe, test, type TestContext } from 'node:test';
import { GatewayClient } from '../../src/notify/gateway-client.ts';
import { agentWakeBody, mainSessionWakeBody, messageArgs } from '../../src/notify/notifier.ts';
import { gatewayEnv, createWorld } from '../support/harness.ts';
import { isFinished, startClient } from '../support/mcp-client.ts';
import { startRealOpenClaw, type RealOpenClaw } from '../support/real-openclaw.ts';
import { waitUntil } from '../support/processes.ts';

const ROUTE = { channel: 'telegram', target: '123', threadId: '7', sessionKey: 'agent:main:main' };

function withGateway(name: string, options: Parameters<typeof startRealOpenClaw>[0], body: (gw: () => RealOpenClaw | undefined, t: TestContext) => Promise<void>) {
  describe(name, () => {
    let gw: RealOpenClaw | { skipped: string } | undefined;
    before(async () => {
      gw = await startRealOpenClaw(options);
    }, { timeout: 180_000 });
    after(async () => {
      if (gw && !('skipped' in gw)) await gw.stop();
    }, { timeout: 60_000 });
    test(name, { timeout: 180_000 }, async (t) => {
      if (!gw || 'skipped' in gw) return t.skip(`real OpenClaw not available: ${gw && 'skipped' in gw ? gw.skipped : 'not started'}`);
      await body(() => gw as RealOpenClaw, t);
    });
  });
}

withGateway('our message and wake requests are accepted', { hooks: { allowRequestSessionKey: true } }, async (gw) => {
  const g = gw()!;
  const client = new GatewayClient({ url: g.url, token: g.gatewayToken, hooksToken: g.hooksToken });
  const message = await client.invoke('message', { ...messageArgs(ROUTE, '✅ Codex succeeded · contract'), dryRun: true });
  assert.equal(message.httpStatus, 200, message.error ?? '');
  assert.equal(message.ok, true);
  const key = `contract-${Date.now()}:1`;
  const first = await client.hook('/hooks/agent', agentWakeBody(ROUTE.sessionKey, 'Codex session ended'), key);
  assert.equal(first.httpStatus, 200, first.error ?? '');
  const runId = (first.body as { runId: string }).runId;
  assert.match(runId, /^[0-9a-f-]{36}$/);
  const replay = await client.hook('/hooks/agent', agentWakeBody(ROUTE.sessionKey, 'Codex session ended'), key);
  assert.equal((replay.body as { runId: string }).runId, runId, 'the same idempotency key returns the same run');
  const wake = await client.hook('/hooks/wake', mainSessionWakeBody(`Codex session ended ${Date.now()}`));
  assert.equal(wake.httpStatus, 200);
});

withGateway('with the default config our runner falls back to /hooks/wake and records the fix', {}, async (gw) => {
  const g = gw()!;
  const world = await createWorld(gatewayEnv(g));
  const client = await startClient(world.env);
  try {
    const launched = await client.ok('codex_launch', { prompt: '@reply contract run', notify: ROUTE, heartbeatSeconds: 0 });
    await client.waitFor(launched.sessionId, isFinished);
    let status: any;
    const attempted = (kind: string) => status.notifications.some((n: any) => n.kind === kind && n.outcome !== 'sending');
    await waitUntil(async () => {
      status = await client.ok('codex_status', { sessionId: launched.sessionId });
      return attempted('wake') && attempted('final');
    }, 90_000, 'the final and the wake');
    const wake = status.notifications.find((n: any) => n.kind === 'wake');
    assert.equal(wake.ok, true, JSON.stringify(status.notifications));
    assert.equal(wake.httpStatus, 200);
    assert.match(status.notifyWarning, /sessionKey is disabled[\s\S]*hooks\.allowRequestSessionKey: true/);
    // No chat channel exists in the test gateway: the final fails with 500 and is left to retry, which must not hold back the wake.
    const final = status.notifications.find((n: any) => n.kind === 'final');
    assert.equal(final.httpStatus, 500);
  } finally {
    await client.close();
    await world.close();
  }
});

import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { GatewayClient } from '../../src/notify/gateway-client.ts';
import { startFakeGateway, type FakeGateway } from '../support/fake-gateway.ts';

// One overall deadline per request, and what a missed deadline means: a request that was
// never written is safe to send again; one that was fully written may have been delivered.

const DEADLINE_MS = 600;
let gw: FakeGateway;
let client: GatewayClient;
const send = (message: string) => ({ action: 'send', channel: 'telegram', target: '1', message });

before(async () => {
  gw = await startFakeGateway();
  client = new GatewayClient({ url: gw.url, token: gw.gatewayToken, hooksToken: gw.hooksToken }, DEADLINE_MS);
});
afterEach(() => gw.setMode('ok'));
after(() => gw.close());

async function timed<T>(work: Promise<T>): Promise<[T, number]> {
  const start = Date.now();
  const value = await work;
  return [value, Date.now() - start];
}

test('a gateway that never answers: the deadline fires, and a chat message sent in full is "unknown", not retried', async () => {
  gw.setMode('hang');
  const [delivery, ms] = await timed(client.invoke('message', send('hang')));
  assert.ok(ms >= DEADLINE_MS - 50 && ms < DEADLINE_MS + 1000, `gave up after ${ms} ms`);
  assert.equal(delivery.ok, false);
  assert.equal(delivery.unknown, true);
  assert.equal(delivery.retryable, false);
  assert.match(delivery.error!, /may have been delivered/);
});

test('an answer that arrives after the deadline is "unknown" too (the gateway delivered it)', async () => {
  gw.setMode({ delayMs: DEADLINE_MS + 500 });
  const delivery = await client.invoke('message', send('late'));
  assert.equal(delivery.unknown, true);
  assert.equal(delivery.retryable, false);
  await gw.waitFor((c) => c.body?.args?.message === 'late', 3000);
  assert.deepEqual(gw.messages().filter((m) => m === 'late'), ['late']);
});

test('a body that trickles forever cannot hold the request past its deadline; a 200 seen is a delivery', async () => {
  gw.setMode('trickle');
  const [delivery, ms] = await timed(client.invoke('message', send('trickle')));
  assert.ok(ms < DEADLINE_MS + 1000, `gave up after ${ms} ms`);
  assert.equal(delivery.ok, true);
  assert.equal(delivery.httpStatus, 200);
});

test('the idempotent agent wake is retried after a timeout: the gateway runs a key once', async () => {
  gw.setMode('hang');
  const delivery = await client.hook('/hooks/agent', { message: 'wake' }, 'session:1');
  assert.equal(delivery.unknown, false);
  assert.equal(delivery.retryable, true);
  const plain = await client.hook('/hooks/wake', { text: 'wake' });
  assert.equal(plain.unknown, true, '/hooks/wake has no idempotency key');
});

test('a caller deadline shorter than the request timeout is honoured', async () => {
  gw.setMode('hang');
  const [delivery, ms] = await timed(client.invoke('message', send('short'), AbortSignal.timeout(150)));
  assert.ok(ms < DEADLINE_MS - 200, `gave up after ${ms} ms`);
  assert.equal(delivery.unknown, true);
});

test('a refused connection was never sent: retryable, not unknown', async () => {
  const closed = await startFakeGateway();
  const url = closed.url;
  await closed.close();
  const refused = new GatewayClient({ url, token: 't', hooksToken: 'h' }, DEADLINE_MS);
  const delivery = await refused.invoke('message', send('nobody home'));
  assert.equal(delivery.ok, false);
  assert.equal(delivery.unknown, false);
  assert.equal(delivery.retryable, true);
});

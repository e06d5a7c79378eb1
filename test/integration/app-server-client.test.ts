// The JSON-RPC client over a child's stdio, against a small real peer
// process (test/support/json-rpc-peer.ts) that speaks the app-server's wire
// format; the engine's tests run it against the real codex app-server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RpcError, startRpcProcess, type Incoming, type RpcClient } from '../../src/codex/app-server/client.ts';
import { ROOT, tempDir } from '../support/harness.ts';
import { isAlive } from '../support/processes.ts';

const PEER = path.join(ROOT, 'test/support/json-rpc-peer.ts');

async function startPeer(maxLineBytes?: number): Promise<{ client: RpcClient; logs: string[]; received: Incoming[]; drained: Promise<void> }> {
  const dir = await tempDir('rpc-client');
  await mkdir(dir, { recursive: true });
  const stderrFile = path.join(dir, 'stderr.log');
  await writeFile(stderrFile, '', { mode: 0o600 });
  const logs: string[] = [];
  const client = startRpcProcess({
    command: { bin: process.execPath, args: [PEER], cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } },
    stderrFile,
    log: (message) => logs.push(message),
    ...(maxLineBytes ? { maxLineBytes } : {}),
  });
  const received: Incoming[] = [];
  const drained = (async () => {
    for await (const incoming of client.incoming) received.push(incoming);
  })();
  return { client, logs, received, drained };
}

test('a request gets its answer; notifications arrive in order with their raw line; close ends the peer with 0', async () => {
  const { client, received, drained } = await startPeer();
  assert.deepEqual(await client.request('echo', { a: 1 }), { a: 1 });
  client.close();
  assert.deepEqual(await client.exited, { exitCode: 0, signal: null, spawnError: null });
  await drained;
  assert.equal(received.length, 1);
  assert.equal(received[0]!.line, '{"method":"echoing","params":{"n":1}}');
  assert.deepEqual(received[0]!.parsed, { ok: true, message: { kind: 'notification', notification: { method: 'unknown', rawMethod: 'echoing' } } });
  assert.equal(isAlive(client.pid!), false);
});

test('an error answer rejects with an RpcError that keeps the code', async () => {
  const { client } = await startPeer();
  const error = await client.request('fail', {}).then(() => null, (e: unknown) => e);
  assert.ok(error instanceof RpcError);
  assert.equal(error.code, -32600);
  assert.match(error.message, /^fail was refused: no active turn to steer \(code -32600\)$/);
  client.close();
  await client.exited;
});

test('a line over the limit is dropped with a log; the lines after it still arrive', async () => {
  const { client, logs, received, drained } = await startPeer(64 * 1024);
  assert.equal(await client.request('big', { bytes: 1024 * 1024 }), 'ok');
  client.close();
  await client.exited;
  await drained;
  // The dropped line still arrives as a note (its size, head and tail), so the engine can tell a huge turn/completed.
  const [dropped, after] = received;
  assert.equal(received.length, 2);
  assert.equal(dropped!.parsed.ok, false);
  assert.ok(dropped!.dropped && dropped!.dropped.bytes > 1024 * 1024 && dropped!.dropped.head.length > 0 && dropped!.dropped.tail.length > 0);
  assert.match(dropped!.line, /"type":"codex-delegate\.line_cut"/);
  assert.deepEqual(after!.parsed.ok && after!.parsed.message.kind === 'notification' && after!.parsed.message.notification, { method: 'unknown', rawMethod: 'after-big' });
  assert.ok(logs.some((line) => /dropped a stdout line of 10\d{5} bytes \(over 65536\)/.test(line)), logs.join('\n'));
});

test('a server request can be answered (here with an error) and the peer sees the answer', async () => {
  const { client, received } = await startPeer();
  const answered = client.request('ask', {});
  while (received.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  const incoming = received[0]!;
  assert.ok(incoming.parsed.ok && incoming.parsed.message.kind === 'request');
  assert.equal(incoming.parsed.message.id, 0);
  client.respondError(incoming.parsed.message.id, -32601, 'not handled');
  assert.deepEqual(await answered, { error: { code: -32601, message: 'not handled' } });
  client.close();
  await client.exited;
});

test('a request with no answer times out; one pending when the peer exits fails at once', async () => {
  const { client } = await startPeer();
  await assert.rejects(client.request('silent', {}, 200), /^Error: silent got no answer within 200 ms$/);
  const pending = client.request('silent', {});
  client.close();
  await assert.rejects(pending, /silent got no answer: the app-server exited \(code 0/);
  await assert.rejects(client.request('echo', {}), /could not be sent: the app-server's stdin is closed/);
});

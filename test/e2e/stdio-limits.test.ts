import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { createWorld } from '../support/harness.ts';
import { SERVER_MAIN } from '../support/mcp-client.ts';
import { isAlive } from '../support/processes.ts';

/** The server over raw stdin/stdout, as a client process sees it, to send what no SDK client would. */
function rawServer(env: Record<string, string>) {
  const child = spawn(process.execPath, [SERVER_MAIN], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  // The server may stop reading mid-write: that is the point of the test, not an error of it.
  child.stdin.on('error', () => {});
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return { child, exited, stdout: () => stdout, stderr: () => stderr, send: (message: unknown) => child.stdin.write(`${JSON.stringify(message)}\n`) };
}

describe('stdin limits', { concurrency: 1 }, () => {
  test('an 11 MB request: the server says why on stderr and exits non-zero, never a silent zombie', async () => {
    const world = await createWorld();
    const server = rawServer(world.env);
    try {
      server.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } });
      const deadline = Date.now() + 10_000;
      while (!server.stdout().includes('"id":1')) {
        if (Date.now() > deadline) throw new Error(`no initialize answer; stderr: ${server.stderr()}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      server.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      const huge = 'a'.repeat(11 * 1024 * 1024);
      server.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'codex_launch', arguments: { prompt: huge } } });

      const timer = setTimeout(() => server.child.kill('SIGKILL'), 5000);
      const [code, signal] = await server.exited;
      clearTimeout(timer);
      assert.equal(signal, null, `the server exited by itself within 5 s (stderr: ${server.stderr().slice(0, 500)})`);
      assert.notEqual(code, 0, 'a non-zero exit, so the host knows to restart it');
      assert.match(server.stderr(), /larger than 10 MB/);
      assert.match(server.stderr(), /put large content in a file/i);
    } finally {
      if (server.child.pid && isAlive(server.child.pid)) server.child.kill('SIGKILL');
      await world.close();
    }
  });

  test('a line that is not JSON-RPC is named on stderr and the server keeps answering', async () => {
    const world = await createWorld();
    const server = rawServer(world.env);
    try {
      server.child.stdin.write('this is not json\n');
      server.send({ jsonrpc: '2.0', id: 1, method: 'ping' });
      const deadline = Date.now() + 10_000;
      while (!server.stdout().includes('"id":1')) {
        if (Date.now() > deadline) throw new Error(`no ping answer; stderr: ${server.stderr()}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const logged = Date.now() + 3000;
      while (!/ignored a line/.test(server.stderr()) && Date.now() < logged) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.match(server.stderr(), /ignored a line on stdin that is not a JSON-RPC message.*JSON/);
      assert.ok(isAlive(server.child.pid!));
    } finally {
      server.child.kill('SIGKILL');
      await world.close();
    }
  });
});

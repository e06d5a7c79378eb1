// The MCP Inspector's CLI mode, a client we did not write, drives the built server: it lists the
// five tools and calls them. Every run starts a fresh server, so a task launched by one run and
// finished in the next also shows that all state lives in the registry.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { createWorld, ROOT, type World } from '../support/harness.ts';
import { SERVER_MAIN } from '../support/mcp-client.ts';

const run = promisify(execFile);
const INSPECTOR = path.join(ROOT, 'node_modules', '.bin', 'mcp-inspector');

describe('MCP Inspector CLI against the built server', { timeout: 60_000 }, () => {
  let world: World;
  before(async () => {
    world = await createWorld();
  });
  after(async () => {
    await world?.close();
  });

  /** `mcp-inspector --cli -e K=V … node dist/server/main.js <args>`; its stdout is one JSON value. */
  async function inspect(...args: string[]): Promise<any> {
    // The server gets only what -e passes (plus the inspector's safe defaults): the world's env.
    const envFlags = Object.entries(world.env).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
    const { stdout } = await run(INSPECTOR, ['--cli', ...envFlags, process.execPath, SERVER_MAIN, ...args], {
      // The inspector keeps a server catalog (default ~/.mcp-inspector); point it into the world.
      env: { ...process.env, MCP_CATALOG_PATH: path.join(world.root, 'inspector-catalog.json') },
      timeout: 30_000,
    });
    return JSON.parse(stdout);
  }

  test('tools/list shows the nine tools', async () => {
    const { tools } = await inspect('--method', 'tools/list');
    assert.deepEqual(tools.map((t: { name: string }) => t.name).sort(), [
      'codex_apply',
      'codex_approve',
      'codex_cancel',
      'codex_forget',
      'codex_launch',
      'codex_result',
      'codex_resume',
      'codex_status',
      'codex_steer',
    ]);
  });

  test('tools/call codex_status answers with an empty list', async () => {
    const result = await inspect('--method', 'tools/call', '--tool-name', 'codex_status');
    assert.notEqual(result.isError, true);
    assert.deepEqual(result.structuredContent, { sessions: [], nextCursor: null });
  });

  test('a task launched by one inspector run is finished and read by the next runs', async () => {
    const call = (tool: string, ...toolArgs: string[]) =>
      inspect('--method', 'tools/call', '--tool-name', tool, ...(toolArgs.length ? ['--tool-arg', ...toolArgs] : []));
    const launched = (await call('codex_launch', 'prompt=@reply seen by the inspector')).structuredContent;
    assert.match(launched.sessionId, /\S/);
    // The inspector converts "20" to the number the schema asks for.
    const status = (await call('codex_status', `sessionId=${launched.sessionId}`, 'waitSeconds=20')).structuredContent;
    assert.equal(status.status, 'succeeded');
    const result = (await call('codex_result', `sessionId=${launched.sessionId}`)).structuredContent;
    assert.equal(result.text, 'seen by the inspector');
  });

  test('bad input comes back as a tool error with a sentence, and a failing exit code', async () => {
    await assert.rejects(
      inspect('--method', 'tools/call', '--tool-name', 'codex_status', '--tool-arg', 'sessionId=no such session'),
      (error: any) => {
        assert.notEqual(error.code, 0);
        const answer = JSON.parse(error.stdout);
        assert.equal(answer.isError, true);
        assert.match(answer.content[0].text, /sessionId/);
        return true;
      },
    );
  });
});

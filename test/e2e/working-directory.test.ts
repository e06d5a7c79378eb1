import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createWorld, type World } from '../support/harness.ts';
import { isFinished, SERVER_MAIN, startClient } from '../support/mcp-client.ts';
import { readSessionRecord, waitGroupGone } from '../support/processes.ts';

const textOf = (result: CallToolResult) => result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

/** A server started in `cwd` (as a host does when it launches it from a folder), with exactly `env`. */
async function serverIn(cwd: string, env: Record<string, string>) {
  const transport = new StdioClientTransport({ command: process.execPath, args: [SERVER_MAIN], env, cwd, stderr: 'pipe' });
  const client = new Client({ name: 'cwd-test', version: '0.0.0' });
  await client.connect(transport);
  const call = (name: string, args: Record<string, unknown>) => client.callTool({ name, arguments: args }) as Promise<CallToolResult>;
  return { client, call, close: () => client.close() };
}

/** The server environment without a default working directory: launches fall back to the server's own cwd. */
function withoutDefaultCwd(world: World, extra: Record<string, string> = {}): Record<string, string> {
  const { CODEX_DELEGATE_DEFAULT_CWD: _unused, ...env } = world.env;
  return { ...env, ...extra };
}

async function sessionCount(stateDir: string): Promise<number> {
  const file = path.join(stateDir, 'sessions.json');
  if (!existsSync(file)) return 0;
  return Object.keys(JSON.parse(await readFile(file, 'utf8')).sessions).length;
}

describe('one directory, whatever its spelling', { concurrency: 1 }, () => {
  test('/x/ws, /x/ws/ and a symlink to it are one directory: only one writable run at a time', async () => {
    const world = await createWorld({ CODEX_DELEGATE_MAX_CONCURRENT: '10' });
    const client = await startClient(world.env);
    const link = path.join(world.root, 'ws-link');
    await symlink(world.workspace, link);
    const ids: string[] = [];
    try {
      const spellings = [world.workspace, `${world.workspace}/`, link];
      const launched = [];
      for (const cwd of spellings) {
        const out = await client.ok('codex_launch', { prompt: 'hold the directory\n@sleep 60000', cwd });
        ids.push(out.sessionId);
        launched.push(out);
      }
      assert.deepEqual(launched.map((l) => l.status), ['running', 'queued', 'queued']);
      // What the caller gave is what it reads back (without the trailing slash).
      assert.deepEqual(launched.map((l) => l.cwd), [world.workspace, world.workspace, link]);
      for (const queued of launched.slice(1)) {
        const status = await client.ok('codex_status', { sessionId: queued.sessionId });
        assert.equal(status.status, 'queued');
        assert.match(status.activity, new RegExp(`waiting: ${launched[0]!.sessionId} is writing in the same directory`));
      }
    } finally {
      for (const id of ids.reverse()) {
        const record = await readSessionRecord(world.stateDir, id).catch(() => undefined);
        await client.call('codex_cancel', { sessionId: id, reason: 'end of test' });
        const pid = (await readSessionRecord(world.stateDir, id).catch(() => record))?.turns[0].runner?.pid;
        if (pid) await waitGroupGone(pid, 15_000).catch(() => {});
      }
      await client.close();
      await world.close();
    }
  });
});

describe('no writable run in / or $HOME unless asked for', { concurrency: 1 }, () => {
  test('a server started in $HOME (reached through a symlink) refuses a writable launch without cwd, and says what to do', async () => {
    const world = await createWorld();
    const home = path.join(world.root, 'home');
    const homeLink = path.join(world.root, 'home-link');
    await mkdir(home);
    await symlink(home, homeLink);
    const server = await serverIn(home, withoutDefaultCwd(world, { HOME: homeLink }));
    try {
      const refused = await server.call('codex_launch', { prompt: '@reply should not run' });
      assert.equal(refused.isError, true, textOf(refused));
      assert.match(textOf(refused), new RegExp(`${home}.*home directory`));
      assert.match(textOf(refused), /pass cwd.*CODEX_DELEGATE_DEFAULT_CWD/);
      assert.equal(await sessionCount(world.stateDir), 0, 'nothing was recorded');

      // Read-only is harmless there, and the answer says where it runs and that this was the default.
      const reader = await server.call('codex_launch', { prompt: '@reply looked', sandbox: 'read-only' });
      assert.notEqual(reader.isError, true, textOf(reader));
      const readerOut = reader.structuredContent as Record<string, any>;
      assert.equal(readerOut.cwd, home);
      assert.equal(readerOut.cwdFrom, 'server working directory');
      assert.match(textOf(reader), new RegExp(`in ${home} \\(the server's working directory`));

      // Asked for in so many words, it runs.
      const explicit = await server.call('codex_launch', { prompt: '@reply wrote nothing', cwd: homeLink });
      assert.notEqual(explicit.isError, true, textOf(explicit));
      assert.equal((explicit.structuredContent as any).cwdFrom, 'argument');
      for (const out of [readerOut, explicit.structuredContent as any]) {
        const done = await server.client.callTool({ name: 'codex_status', arguments: { sessionId: out.sessionId, waitSeconds: 40 } }, undefined, { timeout: 60_000 });
        assert.equal((done.structuredContent as any).status, 'succeeded');
      }
    } finally {
      await server.close();
      await world.close();
    }
  });

  test('a server started in / refuses a writable launch without cwd', async () => {
    const world = await createWorld();
    const server = await serverIn('/', withoutDefaultCwd(world));
    try {
      const refused = await server.call('codex_launch', { prompt: '@reply should not run' });
      assert.equal(refused.isError, true, textOf(refused));
      assert.match(textOf(refused), /writable.* \/ .*root directory.*pass cwd/);
      assert.equal(await sessionCount(world.stateDir), 0);
    } finally {
      await server.close();
      await world.close();
    }
  });

  test('CODEX_DELEGATE_DEFAULT_CWD set to $HOME is a choice: it runs, and the answer names the variable', async () => {
    const world = await createWorld();
    const home = path.join(world.root, 'home');
    await mkdir(home);
    const client = await startClient({ ...world.env, HOME: home, CODEX_DELEGATE_DEFAULT_CWD: home });
    try {
      const result = await client.call('codex_launch', { prompt: '@reply fine' });
      assert.notEqual(result.isError, true, textOf(result));
      const out = result.structuredContent as Record<string, any>;
      assert.equal(out.cwd, home);
      assert.equal(out.cwdFrom, 'CODEX_DELEGATE_DEFAULT_CWD');
      assert.match(textOf(result), new RegExp(`in ${home} \\(CODEX_DELEGATE_DEFAULT_CWD`));
      assert.equal((await client.waitFor(out.sessionId, isFinished)).status, 'succeeded');
    } finally {
      await client.close();
      await world.close();
    }
  });
});

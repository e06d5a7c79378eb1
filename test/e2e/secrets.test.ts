import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { groupMembers } from '../../src/process/group.ts';
import { startFakeGateway, type FakeGateway } from '../support/fake-gateway.ts';
import { gatewayEnv, createWorld, ROOT, type World } from '../support/harness.ts';
import { isFinished, SERVER_MAIN, startClient, type TestClient } from '../support/mcp-client.ts';
import { readSessionRecord, waitGroupGone, waitUntil } from '../support/processes.ts';

/**
 * Secrets stay where they belong: OpenClaw tokens live in the server's
 * environment and, for a turn not yet started, in its 0600 settings file; never on
 * a command line, in the runner's or Codex's environment, or in any other file; the prompt never appears in an argv; state is private even
 * under umask 000; and a prompt full of shell metacharacters is plain text.
 */

const ROUTE = { channel: 'telegram', target: '1' };

/** Recognisable, random, and long enough that a hit cannot be a coincidence. */
const GATEWAY_TOKEN = `GWTOKEN-${randomBytes(16).toString('hex')}`;
const HOOKS_TOKEN = `HKTOKEN-${randomBytes(16).toString('hex')}`;
const TOKENS = [GATEWAY_TOKEN, HOOKS_TOKEN];

function readProc(pid: number, file: 'cmdline' | 'environ'): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return null; // Gone between listing and reading.
  }
}

/** Every live process whose parent chain reaches `root` (Codex may put its children in groups of their own). */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const statText = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = statText.slice(statText.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z') parent.set(Number(entry), Number(fields[1]));
    } catch {
      // Gone.
    }
  }
  const found: number[] = [];
  for (const pid of parent.keys()) {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p === root) {
        found.push(pid);
        break;
      }
    }
  }
  return found;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

async function assertNoTokenInFiles(dir: string): Promise<number> {
  const files = await filesUnder(dir);
  for (const file of files) {
    const text = await readFile(file, 'latin1');
    for (const token of TOKENS) assert.ok(!text.includes(token), `${file} holds a token`);
  }
  return files.length;
}

/** The text of the last user message of a recorded model request: what Codex was asked. */
function lastUserText(request: { input?: { type?: string; role?: string; content?: { text?: string }[] }[] } | undefined): string {
  const input = request?.input ?? [];
  for (let i = input.length - 1; i >= 0; i--) {
    const item = input[i]!;
    if (item.type === 'message' && item.role === 'user') return (item.content ?? []).map((c) => c.text ?? '').join('');
  }
  return '';
}

type Ok = (name: string, args: Record<string, unknown>) => Promise<Record<string, any>>;

/** Cancels whatever a failed test left queued or running, so no runner outlives its world. */
async function stopEverything(ok: Ok, stateDir: string): Promise<void> {
  const listed = await ok('codex_status', { limit: 200 }).catch(() => ({ sessions: [] }));
  for (const s of listed.sessions ?? []) {
    if (isFinished(s.status)) continue;
    const record = await readSessionRecord(stateDir, s.sessionId).catch(() => undefined);
    await ok('codex_cancel', { sessionId: s.sessionId, reason: 'test clean-up' }).catch(() => {});
    const pid = record?.turns.at(-1)?.runner?.pid;
    if (pid) await waitGroupGone(pid, 15_000).catch(() => {});
  }
}

describe('secrets and private state', { concurrency: 1 }, () => {
  let gateway: FakeGateway;
  let world: World;
  let client: TestClient;

  before(async () => {
    gateway = await startFakeGateway({ gatewayToken: GATEWAY_TOKEN, hooksToken: HOOKS_TOKEN });
    world = await createWorld(gatewayEnv(gateway));
    client = await startClient(world.env);
  });
  after(async () => {
    if (client) await stopEverything(client.ok, world.stateDir);
    await client?.close();
    await world?.close();
    await gateway?.close();
  });

  test('no token and no prompt text in any argv; no token in the environment of Codex or its children; none in any file', async () => {
    const marker = `PROMPT-MARKER-${randomBytes(8).toString('hex')}`;
    const launched = await client.ok('codex_launch', { prompt: `${marker} please wait a little\n@run sleep 3`, notify: ROUTE, heartbeatSeconds: 0 });
    assert.ok(client.pid, 'the server has a pid');

    // Catch the moment Codex's shell runs `sleep 3`: runner → codex → ... → sleep.
    let runnerPid = 0;
    let members: number[] = [];
    await waitUntil(async () => {
      const record = await readSessionRecord(world.stateDir, launched.sessionId);
      runnerPid = record?.turns[0]?.runner?.pid ?? 0;
      if (!runnerPid) return false;
      members = [...new Set([...groupMembers(runnerPid), ...descendants(runnerPid)])];
      return members.some((pid) => (readProc(pid, 'cmdline') ?? []).join(' ').match(/(^|\s|\/)sleep 3$/));
    }, 20_000, 'Codex to run `sleep 3`');

    const inGroup = groupMembers(runnerPid);
    assert.ok(inGroup.includes(runnerPid), 'the runner leads its process group');
    const codexSide = members.filter((pid) => pid !== runnerPid);
    assert.ok(codexSide.length >= 2, `Codex and its command are running (${codexSide.length} processes)`);

    const seen: string[] = [];
    for (const pid of [client.pid!, runnerPid, ...members]) {
      const argv = readProc(pid, 'cmdline');
      if (argv === null) continue;
      const line = argv.join(' ');
      seen.push(`${pid}: ${line}`);
      for (const token of TOKENS) assert.ok(!line.includes(token), `argv of ${pid} holds a token: ${line}`);
      assert.ok(!line.includes(marker), `argv of ${pid} holds the prompt: ${line}`);
      assert.ok(!line.includes('please wait a little'), `argv of ${pid} holds the prompt: ${line}`);
    }
    assert.ok(seen.length >= 4, `server, runner, Codex and the command were all inspected:\n${seen.join('\n')}`);

    // The runner sends the notifications, but it reads the tokens from its turn's private settings file:
    // /proc/<pid>/environ of every process of the run, the runner's included, holds none.
    let inspected = 0;
    for (const pid of [runnerPid, ...codexSide]) {
      const env = readProc(pid, 'environ');
      if (env === null) continue;
      inspected += 1;
      const text = env.join('\n');
      for (const token of TOKENS) assert.ok(!text.includes(token), `environment of ${pid} (${(readProc(pid, 'cmdline') ?? []).join(' ')}) holds a token`);
      assert.ok(!env.some((v) => /^OPENCLAW_\w*TOKEN=/.test(v)), `environment of ${pid} has an OPENCLAW_*TOKEN variable`);
    }
    assert.ok(inspected >= 3, 'the environment of the runner, Codex and its command was read');

    // After the end, with every notification attempted: the tokens were used, and written nowhere.
    await waitUntil(async () => {
      const status = await client.ok('codex_status', { sessionId: launched.sessionId });
      return isFinished(status.status) && status.notifications.some((n: any) => n.kind === 'wake' && n.outcome !== 'sending');
    }, 30_000, 'the turn to end and the wake to be attempted');
    const status = await client.ok('codex_status', { sessionId: launched.sessionId });
    assert.equal(status.status, 'succeeded', status.error);
    assert.ok(gateway.calls.some((c) => c.headers.authorization === `Bearer ${GATEWAY_TOKEN}`), 'the gateway token was used');
    assert.ok(gateway.calls.some((c) => c.headers.authorization === `Bearer ${HOOKS_TOKEN}`), 'the hooks token was used');
    await waitGroupGone(runnerPid);
    assert.ok((await assertNoTokenInFiles(world.stateDir)) >= 4, 'the state directory has files to check');
    await assertNoTokenInFiles(world.codexHome);
    await assertNoTokenInFiles(world.workspace);
  });

  test('a prompt with shell metacharacters reaches Codex verbatim and runs nothing', async () => {
    const cwd = path.join(world.root, 'metachar-workspace');
    await mkdir(cwd);
    const prompt = '$(touch pwned); `touch pwned2`; echo hi > pwned3\n@reply ok';
    const before = world.model.requests.length;
    const launched = await client.ok('codex_launch', { prompt, cwd, notify: false });
    const status = await client.waitFor(launched.sessionId, isFinished);
    assert.equal(status.status, 'succeeded', status.error);
    assert.equal((await client.ok('codex_result', { sessionId: launched.sessionId })).text, 'ok');

    const requests = world.model.requests.slice(before);
    assert.equal(requests.length, 1, 'one model request for a plain answer');
    const asked = lastUserText(requests.at(-1));
    assert.ok(asked.includes(prompt), `the prompt arrives verbatim; the model saw: ${JSON.stringify(asked)}`);
    assert.equal(asked.trim(), prompt, 'and nothing else is in that message');

    assert.deepEqual(await readdir(cwd), [], 'nothing was created in the workspace');
    for (const dir of [cwd, world.workspace, world.stateDir, path.join(world.stateDir, 'sessions', launched.sessionId), ROOT, world.root]) {
      for (const name of ['pwned', 'pwned2', 'pwned3']) assert.ok(!existsSync(path.join(dir, name)), `${name} in ${dir}`);
    }
  });
});

describe('private state under umask 000', { concurrency: 1 }, () => {
  let gateway: FakeGateway;
  let world: World;
  let client: Client;
  /** `<octal mode> <path relative to the state dir>` of the state dir and everything under it, after a finished run. */
  const modes = new Map<string, number>();
  let files = 0;
  const ok: Ok = async (name, args) => {
    const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
    if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
    return result.structuredContent as Record<string, any>;
  };

  before(async () => {
    gateway = await startFakeGateway({ gatewayToken: GATEWAY_TOKEN, hooksToken: HOOKS_TOKEN });
    world = await createWorld(gatewayEnv(gateway));
    // startClient takes env only: go through sh to set the umask, then exec node (same pid).
    const transport = new StdioClientTransport({
      command: '/bin/sh',
      args: ['-c', 'umask 000; exec "$0" "$1"', process.execPath, SERVER_MAIN],
      env: world.env,
      stderr: 'pipe',
    });
    client = new Client({ name: 'umask-test-client', version: '0.0.0' });
    await client.connect(transport);
    const pid = transport.pid!;
    const umask = /^Umask:\s*(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    assert.equal(umask, '0000', 'sanity: the server really runs with umask 000');
    assert.match((readProc(pid, 'cmdline') ?? []).join(' '), /dist\/server\/main\.js/, 'sanity: sh exec-ed the server');

    // Commands, a written file, a stderr line, notifications: every kind of state file.
    const launched = await ok('codex_launch', {
      prompt: 'touch everything\n@run echo to-stderr >&2\n@write note.txt hello\n@reply done',
      notify: ROUTE,
      heartbeatSeconds: 0,
    });
    await waitUntil(async () => {
      const status = await ok('codex_status', { sessionId: launched.sessionId });
      return isFinished(status.status) && status.notifications.some((n: any) => n.kind === 'wake' && n.outcome !== 'sending');
    }, 30_000, 'the turn to end and the wake to be attempted');
    const status = await ok('codex_status', { sessionId: launched.sessionId });
    assert.equal(status.status, 'succeeded', status.error);
    const record = await readSessionRecord(world.stateDir, launched.sessionId);
    if (record.turns[0].runner) await waitGroupGone(record.turns[0].runner.pid);
    assert.equal((await ok('codex_result', { sessionId: launched.sessionId })).text, 'done');

    modes.set('.', (await stat(world.stateDir)).mode & 0o777);
    for (const entry of await readdir(world.stateDir, { withFileTypes: true, recursive: true })) {
      const p = path.join(entry.parentPath, entry.name);
      modes.set(path.relative(world.stateDir, p) + (entry.isDirectory() ? '/' : ''), (await stat(p)).mode & 0o777);
      if (entry.isFile()) files += 1;
    }
  });
  after(async () => {
    if (client && world) await stopEverything(ok, world.stateDir);
    await client?.close();
    await world?.close();
    await gateway?.close();
  });

  const listing = () => [...modes].map(([p, m]) => `${m.toString(8)} ${p}`).join('\n');
  const wrong = (pick: (p: string) => boolean) =>
    [...modes].filter(([p]) => pick(p)).filter(([p, m]) => m !== (p === '.' || p.endsWith('/') ? 0o700 : 0o600)).map(([p, m]) => `${p} is ${m.toString(8)}`);
  const CODEX_WRITTEN = /\.last-message\.txt$/;

  test('the state directory and every directory under it are 0700; every file the server and runner write is 0600; no token in them', async () => {
    assert.ok(files >= 5, `the run left its files:\n${listing()}`);
    assert.equal(modes.get('.'), 0o700);
    assert.deepEqual(wrong((p) => !CODEX_WRITTEN.test(p)), [], `private modes under umask 000:\n${listing()}`);
    await assertNoTokenInFiles(world.stateDir);
  });

  test(
    'the answer file Codex writes itself (`-o turn-N.last-message.txt`) is 0600 too',
    () => {
      assert.ok([...modes.keys()].some((p) => CODEX_WRITTEN.test(p)), `a last-message file exists:\n${listing()}`);
      assert.deepEqual(wrong((p) => CODEX_WRITTEN.test(p)), [], `private modes under umask 000:\n${listing()}`);
    },
  );
});

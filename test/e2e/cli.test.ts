import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { startFakeGateway } from '../support/fake-gateway.ts';
import { createWorld } from '../support/harness.ts';
import { SERVER_MAIN, startClient } from '../support/mcp-client.ts';
import { satisfiesRange, SUPPORTED_NODE } from '../../src/node-version.ts';

const run = promisify(execFile);
const cli = (args: string[], env: Record<string, string>) =>
  run(process.execPath, [SERVER_MAIN, ...args], { env }).then(
    (r) => ({ code: 0, stdout: r.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
  );

test('--help and --version answer a person', async () => {
  const help = await cli(['--help'], { PATH: process.env.PATH! });
  assert.match(help.stdout, /Usage:[\s\S]*doctor[\s\S]*codex_launch/);
  assert.ok(help.stdout.includes(`Needs Node.js ${SUPPORTED_NODE}.`), 'names the supported Node.js');
  assert.match(help.stdout, /OPENCLAW_GATEWAY_URL\s+\(default: gateway\.port/);
  const version = await cli(['--version'], { PATH: process.env.PATH! });
  assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+$/);
});

test('doctor: every check passes with Codex on a mock provider and OpenClaw tokens from its JSON5 config', async () => {
  const gateway = await startFakeGateway();
  const world = await createWorld();
  const config = path.join(world.root, 'openclaw.json');
  await writeFile(
    config,
    `// OpenClaw config (JSON5)\n{\n  gateway: { auth: { token: '${gateway.gatewayToken}' } },\n  hooks: { enabled: true, token: '${gateway.hooksToken}', allowRequestSessionKey: true, allowedSessionKeyPrefixes: ['agent:', 'hook:'], },\n}\n`,
  );
  try {
    const ok = await cli(['doctor'], { ...world.env, OPENCLAW_GATEWAY_URL: gateway.url, OPENCLAW_CONFIG_PATH: config });
    assert.equal(ok.code, 0, ok.stdout);
    for (const line of ['Node.js', 'Codex CLI: codex-cli', 'Codex authentication: custom model provider "mock"', 'State directory', 'OpenClaw gateway', 'Gateway token: accepted', 'Hooks (agent wake): enabled', 'Wake the asking conversation']) {
      assert.match(ok.stdout, new RegExp(`✔ ${line.replace(/[()]/g, '\\$&')}`), line);
    }
    const bad = await cli(['doctor'], { ...world.env, OPENCLAW_GATEWAY_URL: gateway.url, OPENCLAW_GATEWAY_TOKEN: 'nope', OPENCLAW_HOOKS_TOKEN: 'nope', OPENCLAW_CONFIG_PATH: '/nonexistent' });
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /✘ Gateway token: rejected \(401\)\n\s+fix: /);
    assert.match(bad.stdout, /✘ Hooks \(agent wake\): token rejected/);
    assert.match(bad.stdout, /⚠ Wake the asking conversation: off[\s\S]*allowRequestSessionKey: true/);
    assert.ok(!bad.stdout.includes('nope') && !ok.stdout.includes(gateway.gatewayToken), 'tokens are never printed');
    const missing = await cli(['doctor'], { ...world.env, CODEX_BIN: '/nonexistent/codex' });
    assert.equal(missing.code, 1);
    assert.match(missing.stdout, /✘ Codex CLI: not found\n\s+fix: .*npm i -g @openai\/codex/);
    await gateway.close();
    const down = await cli(['doctor'], { ...world.env, OPENCLAW_GATEWAY_URL: gateway.url, OPENCLAW_CONFIG_PATH: config });
    assert.match(down.stdout, /✘ OpenClaw gateway: .* not reachable[\s\S]*fix: start it/);
  } finally {
    await gateway.close().catch(() => {});
    await world.close();
  }
});

/** A Node.js older than the supported range on this machine (the system one, outside the PATH the tests run with). */
function findOldNode(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node', '/bin/node']) {
    if (!existsSync(candidate)) continue;
    try {
      const version = execFileSync(candidate, ['--version'], { encoding: 'utf8' }).trim();
      if (!satisfiesRange(version, SUPPORTED_NODE)) return candidate;
    } catch {
      // Not runnable: try the next one.
    }
  }
  return undefined;
}
const OLD_NODE = findOldNode();

test('an older Node.js is refused at once by the server, doctor and the runner, with the version and the fix', { skip: OLD_NODE ? false : 'no Node.js older than the supported range on this machine' }, async () => {
  const old = OLD_NODE!;
  const version = execFileSync(old, ['--version'], { encoding: 'utf8' }).trim();
  const world = await createWorld();
  const attempt = (args: string[]) =>
    run(old, args, { env: world.env, timeout: 20_000 }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
  try {
    const runnerMain = path.join(path.dirname(SERVER_MAIN), '..', 'runner', 'main.js');
    for (const args of [[SERVER_MAIN], [SERVER_MAIN, 'doctor'], [runnerMain, world.stateDir, 'some-session', '1']]) {
      // The server would otherwise wait on stdin for MCP: refusing means exiting, not hanging.
      const result = await attempt(args);
      const what = args.slice(1).join(' ') || 'server';
      assert.notEqual(result.code, 0, `${what}: non-zero exit`);
      assert.equal(result.stdout, '', `${what}: stdout stays clean (MCP)`);
      assert.ok(result.stderr.includes(`Node.js ${version} (${old})`), `${what}: names the version found\n${result.stderr}`);
      assert.ok(result.stderr.includes(SUPPORTED_NODE), `${what}: names the supported range`);
      assert.match(result.stderr, /Install Node\.js 24/, `${what}: says how to fix it`);
      assert.doesNotMatch(result.stderr, /at .*node_modules/, `${what}: no dependency stack trace`);
    }
    assert.ok(!existsSync(world.stateDir), 'nothing was written');
  } finally {
    await world.close();
  }
});

/** An OpenClaw config (JSON5) with the fake gateway's tokens, plus extra top-level text. */
async function openclawConfig(dir: string, gateway: { gatewayToken: string; hooksToken: string }, extra = '', gatewayExtra = ''): Promise<string> {
  const file = path.join(dir, `openclaw-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(
    file,
    `{\n  gateway: { auth: { token: '${gateway.gatewayToken}' }, ${gatewayExtra} },\n  hooks: { enabled: true, token: '${gateway.hooksToken}', allowRequestSessionKey: true, allowedSessionKeyPrefixes: ['agent:'] },\n  ${extra}\n}\n`,
  );
  return file;
}

test('doctor checks a gateway named only by OPENCLAW_GATEWAY_URL, and tells a wrong service from a dead one', async () => {
  const gateway = await startFakeGateway();
  const world = await createWorld();
  // Something that answers, but is not OpenClaw (a web server on the port): 404 on /health.
  const other = http.createServer((_req, res) => res.writeHead(404).end('Not Found'));
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  try {
    const onlyUrl = await cli(['doctor'], { ...world.env, OPENCLAW_GATEWAY_URL: gateway.url, OPENCLAW_CONFIG_PATH: '/nonexistent/openclaw.json' });
    assert.equal(onlyUrl.code, 1, onlyUrl.stdout);
    assert.match(onlyUrl.stdout, new RegExp(`✔ OpenClaw gateway: ${gateway.url} is up`));
    assert.match(onlyUrl.stdout, /✘ Gateway token: none found\n\s+fix: set OPENCLAW_GATEWAY_TOKEN/);
    assert.doesNotMatch(onlyUrl.stdout, /not configured/);

    // A config file that cannot be read used to be as good as none: its tokens silently missing.
    const broken = path.join(world.root, 'broken-openclaw.json');
    await writeFile(broken, '{ gateway: { auth: { token: "x" } }');
    const unreadable = await cli(['doctor'], { ...world.env, OPENCLAW_CONFIG_PATH: broken });
    assert.equal(unreadable.code, 1);
    assert.match(unreadable.stdout, /✘ OpenClaw config: .*broken-openclaw\.json is not valid JSON5/);

    const wrong = await cli(['doctor'], { ...world.env, OPENCLAW_GATEWAY_URL: otherUrl, OPENCLAW_CONFIG_PATH: '/nonexistent/openclaw.json' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stdout, /✘ OpenClaw gateway: .* answered HTTP 404 to GET \/health: it is not an OpenClaw gateway\n\s+fix: .*gateway\.port/);
    assert.doesNotMatch(wrong.stdout, /not reachable/);
  } finally {
    other.close();
    await gateway.close();
    await world.close();
  }
});

test('doctor finds the gateway on gateway.port of openclaw.json when OPENCLAW_GATEWAY_URL is not set', async () => {
  const gateway = await startFakeGateway();
  const world = await createWorld();
  try {
    const port = new URL(gateway.url).port;
    const config = await openclawConfig(world.root, gateway, '', `port: ${port},`);
    const result = await cli(['doctor'], { ...world.env, OPENCLAW_CONFIG_PATH: config });
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stdout, new RegExp(`✔ OpenClaw gateway: http://127\\.0\\.0\\.1:${port} is up \\(gateway\\.port of ${config.replace(/[.]/g, '\\.')}\\)`));
    assert.match(result.stdout, /✔ Gateway token: accepted/);
  } finally {
    await gateway.close();
    await world.close();
  }
});

test('doctor dry-runs the default chat route and warns when its channel is not set up in OpenClaw', async () => {
  const gateway = await startFakeGateway();
  const world = await createWorld();
  try {
    const route = { CODEX_DELEGATE_NOTIFY_CHANNEL: 'telegram', CODEX_DELEGATE_NOTIFY_TARGET: '123456789' };
    // OpenClaw's dry run resolves the route without the channel's credentials, so a channel
    // missing from channels.* passes it and then fails every real send ("Telegram bot token missing").
    const bare = await openclawConfig(world.root, gateway);
    const unset = await cli(['doctor'], { ...world.env, ...route, OPENCLAW_GATEWAY_URL: gateway.url, OPENCLAW_CONFIG_PATH: bare });
    assert.match(unset.stdout, /⚠ Default chat route: telegram:123456789 passes the dry run, but channel "telegram" is not set up in .*openclaw.*\.json\n\s+fix: .*channels\.telegram.*openclaw channels status --probe/);
    const dry = gateway.calls.find((c) => c.path === '/tools/invoke' && c.body?.args?.dryRun === true);
    assert.ok(dry, 'a dry run was sent');
    assert.deepEqual({ ...dry.body.args, message: undefined }, { action: 'send', channel: 'telegram', target: '123456789', dryRun: true, message: undefined });
    assert.deepEqual(gateway.messages(), [], 'nothing was sent for real');

    const ready = await openclawConfig(world.root, gateway, `channels: { telegram: { botToken: '123:abc' } },`);
    const ok = await cli(['doctor'], { ...world.env, ...route, OPENCLAW_GATEWAY_URL: gateway.url, OPENCLAW_CONFIG_PATH: ready });
    assert.equal(ok.code, 0, ok.stdout);
    assert.match(ok.stdout, /✔ Default chat route: telegram:123456789 \(dry run accepted\)/);
    assert.ok(!ok.stdout.includes('123:abc'), 'channel secrets are never printed');

    const half = await cli(['doctor'], { ...world.env, CODEX_DELEGATE_NOTIFY_CHANNEL: 'telegram', OPENCLAW_GATEWAY_URL: gateway.url, OPENCLAW_CONFIG_PATH: ready });
    assert.equal(half.code, 1);
    assert.match(half.stdout, /✘ Default chat route: CODEX_DELEGATE_NOTIFY_CHANNEL is set but CODEX_DELEGATE_NOTIFY_TARGET is not/);
  } finally {
    await gateway.close();
    await world.close();
  }
});

test('doctor names the missing key of a custom model provider instead of `codex login`', async () => {
  const world = await createWorld();
  try {
    // The test world's Codex uses the "mock" provider, whose env_key is MOCK_API_KEY.
    const { MOCK_API_KEY: _key, ...env } = world.env;
    const result = await cli(['doctor'], { ...env, OPENCLAW_CONFIG_PATH: '/nonexistent/openclaw.json' });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /✘ Codex authentication: model provider "mock" .*needs MOCK_API_KEY, which is not set\n\s+fix: set MOCK_API_KEY in the server's environment/);
    assert.doesNotMatch(result.stdout, /codex login/);
    // An auth.json (a ChatGPT login) does not help a custom provider.
    await writeFile(path.join(world.codexHome, 'auth.json'), '{}');
    const stillMissing = await cli(['doctor'], { ...env, OPENCLAW_CONFIG_PATH: '/nonexistent/openclaw.json' });
    assert.match(stillMissing.stdout, /✘ Codex authentication: model provider "mock"/);
  } finally {
    await world.close();
  }
});

test('doctor and tools/list do not create the state directory', async () => {
  const world = await createWorld();
  try {
    const doctor = await cli(['doctor'], { ...world.env, OPENCLAW_CONFIG_PATH: '/nonexistent/openclaw.json' });
    assert.equal(doctor.code, 0, doctor.stdout);
    assert.match(doctor.stdout, /✔ State directory: .*state does not exist yet; it will be created on the first launch/);
    assert.ok(!existsSync(world.stateDir), 'doctor left no state directory');

    const client = await startClient({ ...world.env, OPENCLAW_CONFIG_PATH: '/nonexistent/openclaw.json' });
    try {
      await client.client.listTools();
      await client.ok('codex_status');
      await new Promise((resolve) => setTimeout(resolve, 500)); // start-up housekeeping runs after initialize
      assert.ok(!existsSync(world.stateDir), 'tools/list and a status read left no state directory');
    } finally {
      await client.close();
    }

    // An existing directory that is not writable is named with the fix.
    await mkdir(world.stateDir, { mode: 0o500 });
    if (process.getuid?.() !== 0) {
      const readOnly = await cli(['doctor'], { ...world.env, OPENCLAW_CONFIG_PATH: '/nonexistent/openclaw.json' });
      assert.match(readOnly.stdout, /✘ State directory: .*not writable/);
    }
    assert.deepEqual(await readdir(world.stateDir), [], 'doctor wrote nothing into it');
  } finally {
    await world.close();
  }
});

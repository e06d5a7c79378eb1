import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { startFakeGateway } from '../support/fake-gateway.ts';
import { createWorld } from '../support/harness.ts';
import { SERVER_MAIN } from '../support/mcp-client.ts';
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

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { startFakeGateway } from '../support/fake-gateway.ts';
import { createWorld } from '../support/harness.ts';
import { SERVER_MAIN } from '../support/mcp-client.ts';

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

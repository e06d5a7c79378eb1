// Where the notifier (server and runners alike) finds the gateway: OPENCLAW_GATEWAY_URL, else
// gateway.port of OpenClaw's config (OpenClaw passes no other variables to an MCP server), else 18789.
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { resolveCredentials } from '../../src/notify/openclaw-config.ts';
import { tempDir } from '../support/harness.ts';

let dir: string;
before(async () => {
  dir = await tempDir('openclaw-config');
});
after(async () => rm(dir, { recursive: true, force: true }));

async function configFile(text: string): Promise<string> {
  const file = path.join(dir, `openclaw-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, text);
  return file;
}

test('gateway.port of openclaw.json gives the URL when OPENCLAW_GATEWAY_URL is not set', async () => {
  const file = await configFile(`{ gateway: { port: 19001, auth: { token: 'gw' } }, hooks: { token: 'hk' } }`);
  const fromFile = resolveCredentials(loadConfig({ OPENCLAW_CONFIG_PATH: file }));
  assert.deepEqual(fromFile, { url: 'http://127.0.0.1:19001', urlSource: `gateway.port of ${file}`, token: 'gw', hooksToken: 'hk' });
  // The variable wins, even when both tokens come from the environment too.
  const fromEnv = resolveCredentials(loadConfig({ OPENCLAW_CONFIG_PATH: file, OPENCLAW_GATEWAY_URL: 'http://10.0.0.2:1234', OPENCLAW_GATEWAY_TOKEN: 'a', OPENCLAW_HOOKS_TOKEN: 'b' }));
  assert.equal(fromEnv.url, 'http://10.0.0.2:1234');
  // A blank variable (an MCP Bundle setting left empty) is not set.
  assert.equal(resolveCredentials(loadConfig({ OPENCLAW_CONFIG_PATH: file, OPENCLAW_GATEWAY_URL: '' })).url, 'http://127.0.0.1:19001');
});

test('without a port the default stays; a port that cannot be used does not lose the tokens', async () => {
  const none = await configFile(`{ gateway: { auth: { token: 'gw' } } }`);
  assert.equal(resolveCredentials(loadConfig({ OPENCLAW_CONFIG_PATH: none })).url, 'http://127.0.0.1:18789');
  const bad = await configFile(`{ gateway: { port: 'eighteen', auth: { token: 'gw' } } }`);
  const credentials = resolveCredentials(loadConfig({ OPENCLAW_CONFIG_PATH: bad }));
  assert.equal(credentials.url, 'http://127.0.0.1:18789');
  assert.equal(credentials.token, 'gw');
});

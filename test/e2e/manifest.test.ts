// The MCP Bundle manifest (manifest.json) is valid for the official validator, agrees with
// package.json, and — rendered the way an MCPB host renders it — starts a server that lists
// exactly the tools the manifest announces.
import { getMcpConfigForManifest, validateManifest } from '@anthropic-ai/mcpb/node';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { SUPPORTED_NODE } from '../../src/node-version.ts';
import { mcpbIgnoreText } from '../../scripts/mcpbignore.ts';
import { createWorld, ROOT, tempDir, type World } from '../support/harness.ts';
import { SERVER_MAIN, startClient } from '../support/mcp-client.ts';

const run = promisify(execFile);
const MANIFEST_PATH = path.join(ROOT, 'manifest.json');
const manifest = JSON.parse(await readFile(MANIFEST_PATH, 'utf8'));
const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8'));

/** What an MCPB host (Claude Desktop) would run for this manifest, via the reference implementation. */
async function render(userConfig: Record<string, string>) {
  const config = await getMcpConfigForManifest({
    manifest,
    extensionPath: path.resolve(ROOT), // hosts pass the bundle dir without a trailing slash
    systemDirs: {},
    userConfig,
    pathSeparator: path.sep,
  });
  assert.ok(config, 'the manifest renders to an mcp_config');
  return config as { command: string; args?: string[]; env?: Record<string, string> };
}

describe('manifest.json (MCP Bundle)', () => {
  test('passes the official @anthropic-ai/mcpb validator as manifest_version 0.3', () => {
    assert.equal(manifest.manifest_version, '0.3');
    // validateManifest prints the schema issues itself when it fails.
    assert.equal(validateManifest(MANIFEST_PATH), true);
  });

  test('agrees with package.json', () => {
    assert.equal(manifest.name, pkg.name);
    assert.equal(manifest.version, pkg.version);
    assert.equal(manifest.description, pkg.description);
    assert.equal(manifest.license, pkg.license);
    assert.deepEqual(manifest.keywords, pkg.keywords);
    // package.json may not name an author or repository; when it does, the manifest must say the same.
    if (pkg.author) {
      const author = typeof pkg.author === 'string' ? pkg.author.replace(/\s*[<(].*$/, '') : pkg.author.name;
      assert.equal(manifest.author.name, author);
    }
    if (pkg.repository) {
      const url = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository.url;
      assert.equal(manifest.repository?.url, url);
    }
    assert.equal(manifest.server.type, 'node');
    assert.equal(manifest.server.entry_point, pkg.bin['codex-delegate-mcp']);
    assert.ok(existsSync(path.join(ROOT, manifest.server.entry_point)), 'entry point is built (npm run build)');
    // The real minimum (what the dependencies need), the same in both: see test/unit/node-version.test.ts.
    assert.equal(pkg.engines.node, SUPPORTED_NODE);
    assert.equal(manifest.compatibility.runtimes.node, SUPPORTED_NODE);
  });

  test('every env placeholder names a user_config key, and every key is used', () => {
    const env: Record<string, string> = manifest.server.mcp_config.env;
    assert.deepEqual(Object.keys(env).sort(), [
      'CODEX_DELEGATE_DEFAULT_CWD',
      'CODEX_DELEGATE_HOME',
      'OPENCLAW_GATEWAY_TOKEN',
      'OPENCLAW_GATEWAY_URL',
      'OPENCLAW_HOOKS_TOKEN',
    ]);
    const used = Object.values(env).map((value) => /^\$\{user_config\.(\w+)\}$/.exec(value)?.[1]);
    assert.deepEqual(used.slice().sort(), Object.keys(manifest.user_config).sort());
    const byEnv = (name: string) => manifest.user_config[/\.(\w+)\}$/.exec(env[name]!)![1]!];
    assert.equal(byEnv('CODEX_DELEGATE_HOME').type, 'directory');
    assert.equal(byEnv('CODEX_DELEGATE_DEFAULT_CWD').type, 'directory');
    assert.equal(byEnv('OPENCLAW_GATEWAY_TOKEN').sensitive, true);
    assert.equal(byEnv('OPENCLAW_HOOKS_TOKEN').sensitive, true);
    // No default: a blank URL leaves the choice to the server, which reads gateway.port from
    // OpenClaw's config (a default here would always be passed and win over that).
    assert.equal(byEnv('OPENCLAW_GATEWAY_URL').default, undefined);
    assert.match(byEnv('OPENCLAW_GATEWAY_URL').description, /gateway\.port/);
  });

  describe('rendered by the MCPB reference code and started over stdio', () => {
    let world: World;
    before(async () => {
      world = await createWorld();
    });
    after(async () => {
      await world?.close();
    });

    test('runs node on the built entry point and lists exactly the manifest tools', async () => {
      const config = await render({
        state_dir: world.stateDir,
        default_cwd: world.workspace,
        gateway_url: 'http://127.0.0.1:9',
        gateway_token: 'manifest-gateway-token',
        hooks_token: 'manifest-hooks-token',
      });
      assert.equal(config.command, 'node');
      assert.deepEqual(config.args, [SERVER_MAIN]);
      assert.equal(config.env?.CODEX_DELEGATE_HOME, world.stateDir);

      // startClient runs `node dist/server/main.js` too (this Node); the env is the rendered one.
      const client = await startClient({ ...world.env, ...config.env });
      try {
        const { tools } = await client.client.listTools();
        assert.deepEqual(
          tools.map((t) => t.name).sort(),
          manifest.tools.map((t: { name: string }) => t.name).sort(),
        );
        const status = await client.ok('codex_status');
        assert.deepEqual(status.sessions, []);
        assert.ok(!existsSync(world.stateDir), 'listing tools and sessions creates no state dir');
        // The state dir from user_config is the one the server uses.
        await client.ok('codex_launch', { prompt: '@reply bundle' });
        assert.ok(existsSync(world.stateDir), 'the first launch created the configured state dir');
      } finally {
        await client.close();
      }
    });
  });

  // Hosts pass optional fields the user left blank as the literal "${user_config.x}" text
  // (modelcontextprotocol/mcpb#250/#251). The server should read that as "unset".
  test(
    'optional fields left blank do not become literal paths or tokens',
    async () => {
      const config = await render({});
      const loaded = loadConfig({ ...config.env }, '/somewhere');
      assert.doesNotMatch(loaded.home, /\$\{/);
      assert.equal(loaded.defaultCwd, '/somewhere');
      assert.equal(loaded.gateway.token, undefined);
      assert.equal(loaded.gateway.hooksToken, undefined);
      assert.equal(loaded.gateway.urlFromEnv, false, 'a blank gateway URL is not set');
    },
  );
});

// `mcpb pack .` in a checkout used to zip all of node_modules (Codex, the Inspector, TypeScript):
// a ~200 MB bundle. .mcpbignore is an allow-list generated from the runtime dependencies.
describe('mcpb pack . (the MCP Bundle from a checkout)', { timeout: 120_000 }, () => {
  test('.mcpbignore is current with the installed runtime dependencies', async () => {
    const text = await readFile(path.join(ROOT, '.mcpbignore'), 'utf8');
    assert.equal(text, mcpbIgnoreText(ROOT), '.mcpbignore is stale: run node scripts/mcpbignore.ts');
  });

  test('the real mcpb CLI packs only the server and its runtime dependencies, and the unpacked bundle runs a task', async () => {
    const dir = await tempDir('mcpb');
    const world = await createWorld();
    let client: Client | undefined;
    try {
      const bundle = path.join(dir, 'codex-delegate-mcp.mcpb');
      await run(path.join(ROOT, 'node_modules', '.bin', 'mcpb'), ['pack', ROOT, bundle], { cwd: ROOT, timeout: 90_000, maxBuffer: 16 << 20 });
      const { size } = await stat(bundle);
      assert.ok(size < 15_000_000, `bundle is ${(size / 1e6).toFixed(1)} MB`);
      const entries = (await run('unzip', ['-Z1', bundle], { maxBuffer: 16 << 20 })).stdout.split('\n').filter(Boolean);
      for (const needed of ['manifest.json', 'package.json', 'dist/server/main.js', 'dist/runner/main.js', 'dist/server/vendor/zod.js', 'node_modules/undici/package.json']) {
        assert.ok(entries.includes(needed), `${needed} is in the bundle`);
      }
      // The other libraries are bundled into dist/ (scripts/build.ts): their packages stay out too.
      const stray = entries.filter((entry) => /^(src|test|bench|scripts|\.cache|\.git|\.ci|examples)\/|^node_modules\/(@openai|typescript|@modelcontextprotocol|@anthropic-ai|smol-toml|zod|execa|lowdb|json5|proper-lockfile|write-file-atomic)\b/.test(entry));
      assert.deepEqual(stray, [], 'sources, tests, dev tools and bundled packages stay out');

      // Unpacked as a host would, the bundle serves the tools and a runner finds its dependencies.
      const unpacked = path.join(dir, 'unpacked');
      await run('unzip', ['-q', bundle, '-d', unpacked]);
      client = new Client({ name: 'bundle-test', version: '0.0.0' });
      await client.connect(new StdioClientTransport({ command: process.execPath, args: [path.join(unpacked, 'dist', 'server', 'main.js')], env: world.env, stderr: 'pipe' }));
      const call = async (name: string, args: Record<string, unknown>) => {
        const result = (await client!.callTool({ name, arguments: args })) as CallToolResult;
        assert.ok(!result.isError, `${name}: ${JSON.stringify(result.content)}`);
        return result.structuredContent as Record<string, any>;
      };
      const launched = await call('codex_launch', { prompt: '@reply bundled and working' });
      let status = launched.status;
      for (const deadline = Date.now() + 30_000; status === 'queued' || status === 'running'; ) {
        assert.ok(Date.now() < deadline, 'task finished within 30 s');
        status = (await call('codex_status', { sessionId: launched.sessionId, waitSeconds: 5 })).status;
      }
      assert.equal(status, 'succeeded');
      assert.equal((await call('codex_result', { sessionId: launched.sessionId })).text, 'bundled and working');
    } finally {
      await client?.close();
      await world.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

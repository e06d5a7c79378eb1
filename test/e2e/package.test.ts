// What `npm publish` would ship: the tarball holds only the built server and its documents,
// and once installed from that tarball (runtime deps from the registry), the `codex-delegate-mcp`
// bin serves the nine tools and runs a task — so nothing the server needs is left out.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { createWorld, ROOT, tempDir, type World } from '../support/harness.ts';

const run = promisify(execFile);
const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8'));

// npm exports its config to scripts as npm_* variables; a child npm run from `npm test` would
// read them as its own settings (prefix, allow-scripts, …), so children get a clean copy.
const npmEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
const npm = (args: string[], cwd: string) =>
  run('npm', args, { cwd, env: npmEnv, timeout: 90_000, maxBuffer: 16 << 20 });

const ALLOWED = /^package\/(dist\/.+|examples\/.+|README\.md|SKILL\.md|manifest\.json|LICENSE|package\.json)$/;
const REQUIRED = [
  'package/dist/server/main.js',
  'package/README.md',
  'package/SKILL.md',
  'package/manifest.json',
  'package/LICENSE',
  'package/package.json',
  'package/examples/launch-and-wait.ts',
];

describe('the npm package', { timeout: 120_000 }, () => {
  let dir: string;
  let tarball: string;
  before(async () => {
    dir = await tempDir('package');
    const { stdout } = await npm(['pack', '--json', '--pack-destination', dir], ROOT);
    tarball = path.join(dir, JSON.parse(stdout)[0].filename);
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the tarball holds only dist/, the docs, the manifest and the examples', async () => {
    // tar itself, not npm's own report, is the ground truth of what ships.
    const entries = (await run('tar', ['-tzf', tarball])).stdout.split('\n').filter(Boolean);
    const stray = entries.filter((entry) => !ALLOWED.test(entry));
    assert.deepEqual(stray, [], 'files outside the allowed set');
    for (const file of REQUIRED) assert.ok(entries.includes(file), `${file} is in the tarball`);
  });

  describe('installed from the tarball into a fresh project', () => {
    let project: string;
    let world: World;
    let client: Client;
    before(async () => {
      project = path.join(dir, 'consumer');
      await mkdir(project);
      await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
      await npm(['install', '--no-audit', '--no-fund', tarball], project);
      world = await createWorld();
      // The bin as npm linked it; its shebang picks `node` from PATH, as `npx codex-delegate-mcp` does.
      const bin = path.join(project, 'node_modules', '.bin', 'codex-delegate-mcp');
      client = new Client({ name: 'package-test', version: '0.0.0' });
      await client.connect(new StdioClientTransport({ command: bin, env: world.env, cwd: project, stderr: 'pipe' }));
    });
    after(async () => {
      await client?.close();
      await world?.close();
    });

    test('the bin lists the nine tools', async () => {
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), [
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
      assert.equal(client.getServerVersion()?.version, pkg.version);
    });

    test('a task runs to the end (the runner ships and finds its dependencies)', async () => {
      const call = async (name: string, args: Record<string, unknown>) => {
        const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
        assert.ok(!result.isError, `${name}: ${JSON.stringify(result.content)}`);
        return result.structuredContent as Record<string, any>;
      };
      const launched = await call('codex_launch', { prompt: '@reply installed and working' });
      let status = launched.status;
      for (const deadline = Date.now() + 30_000; status === 'queued' || status === 'running'; ) {
        assert.ok(Date.now() < deadline, 'task finished within 30 s');
        status = (await call('codex_status', { sessionId: launched.sessionId, waitSeconds: 5 })).status;
      }
      assert.equal(status, 'succeeded');
      assert.equal((await call('codex_result', { sessionId: launched.sessionId })).text, 'installed and working');
    });

    test('npx resolves the package name to the installed bin', async () => {
      // --no: never download, so only the installed package can answer; after --, flags are the bin's.
      const { stdout, stderr } = await run('npx', ['--no', '--', 'codex-delegate-mcp', '--version'], {
        cwd: project,
        env: npmEnv,
        timeout: 30_000,
      });
      assert.equal(`${stdout}${stderr}`.trim(), pkg.version);
    });
  });
});

// The release workflow cannot run here; what it does can be checked: provenance from a tag,
// Node 24, a clean install and the whole test suite before publishing, and a tag check that works.
describe('the release workflow', () => {
  test('publishes with provenance after npm ci and npm test, from a tag that matches the version', async () => {
    const workflow = await readFile(path.join(ROOT, '.github', 'workflows', 'release.yml'), 'utf8');
    assert.match(workflow, /^on:\n\s+push:\n\s+tags: \['v\*'\]/m);
    assert.match(workflow, /^permissions:\n(\s+.+\n)*?\s+id-token: write/m);
    assert.match(workflow, /node-version: 24\n/);
    assert.match(workflow, /registry-url: https:\/\/registry\.npmjs\.org/);
    const order = ['node scripts/check-release-tag.ts', 'npm ci', 'npm test', 'npm publish --provenance --access public'];
    const at = order.map((step) => workflow.indexOf(`run: ${step}`));
    assert.ok(at.every((index) => index > 0), `every step is there: ${order.join(', ')}`);
    assert.deepEqual([...at].sort((a, b) => a - b), at, 'in this order');

    const check = (tag: string) =>
      run(process.execPath, [path.join(ROOT, 'scripts', 'check-release-tag.ts')], { env: { ...npmEnv, GITHUB_REF_NAME: tag } }).then(
        () => 0,
        (error: { code: number; stderr: string }) => (assert.match(error.stderr, /::error::the tag .* does not match/), error.code),
      );
    assert.equal(await check(`v${pkg.version}`), 0);
    assert.equal(await check(`v${pkg.version}-wrong`), 1);
    assert.equal(await check(pkg.version), 1, 'the tag needs its v');
  });
});

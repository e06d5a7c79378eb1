// The files in examples/ are what users copy: each must parse, start this server by a command
// that resolves (npx + the package name, or node + a dist path), and set only variables the
// server knows, with values it accepts. launch-and-wait.ts runs end to end on the mock model.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import JSON5 from 'json5';
import { parse as parseToml } from 'smol-toml';
import { loadConfig } from '../../src/config.ts';
import { CODEX_BIN, createWorld, ROOT, tempDir, type World } from '../support/harness.ts';
import { SERVER_MAIN } from '../support/mcp-client.ts';

const run = promisify(execFile);
const EXAMPLES = path.join(ROOT, 'examples');
const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8'));

interface ServerEntry {
  command: string;
  args?: string[];
  env?: Record<string, string>;
  env_vars?: string[];
}

/** Where a checkout or unpacked tarball sits in the examples; the rest of such a path must exist here. */
const CHECKOUT = '/path/to/codex-delegate-mcp/';

/**
 * The three ways to start the server: npx + the package name (-y: no prompt), node + the built
 * entry of a checkout, or the bin of a global install (npm install -g <tarball or name>).
 */
function assertResolvable(entry: ServerEntry, where: string): void {
  const args = entry.args ?? [];
  if (entry.command === 'npx') {
    assert.ok(args.includes('-y') || args.includes('--yes'), `${where}: npx needs -y to start without a prompt`);
    assert.ok(args.includes(pkg.name), `${where}: npx runs ${pkg.name}`);
  } else if (entry.command === 'node') {
    assertCheckoutPath(args[0] ?? '', where);
    assert.match(args[0] ?? '', /\/dist\/server\/main\.js$/, `${where}: node runs dist/server/main.js`);
  } else {
    assert.ok(Object.hasOwn(pkg.bin, entry.command), `${where}: command is npx, node or the installed bin (${Object.keys(pkg.bin)})`);
  }
}

/** An absolute path into the checkout that names a file this build has (npm run build first). */
function assertCheckoutPath(file: string, where: string): void {
  assert.ok(file.startsWith(CHECKOUT), `${where}: ${file} is written as ${CHECKOUT}…`);
  assert.ok(existsSync(path.join(ROOT, file.slice(CHECKOUT.length))), `${where}: ${file} exists in a built checkout`);
}

/** Only the server's own variables, with values its config loader accepts. */
function assertKnownEnv(env: Record<string, string> = {}, where: string): void {
  for (const key of Object.keys(env)) {
    assert.match(key, /^(CODEX_DELEGATE_\w+|CODEX_BIN|CODEX_HOME|OPENCLAW_\w+)$/, `${where}: ${key} is a server variable`);
  }
  assert.doesNotThrow(() => loadConfig(env), `${where}: env values are valid`);
}

/** Every object with a string `command`, at any depth. */
function serverEntries(value: unknown): ServerEntry[] {
  if (!value || typeof value !== 'object') return [];
  const own = typeof (value as ServerEntry).command === 'string' ? [value as ServerEntry] : [];
  return [...own, ...Object.values(value).flatMap(serverEntries)];
}

describe('examples/', () => {
  test('the Claude Code and Cursor configs define mcpServers.codex', async () => {
    for (const file of ['.mcp.json', 'cursor-mcp.json', '.mcp.checkout.json', 'cursor-mcp.checkout.json']) {
      const config = JSON.parse(await readFile(path.join(EXAMPLES, file), 'utf8'));
      const entry: ServerEntry = config.mcpServers?.codex;
      assert.ok(entry, `${file}: mcpServers.codex`);
      assertResolvable(entry, file);
      assertKnownEnv(entry.env, file);
    }
  });

  test('every .json / .json5 example parses and starts this server wherever it names a command', async () => {
    // Shape-agnostic, so examples added later (e.g. OpenClaw's JSON5 config) are checked too.
    const files = (await readdir(EXAMPLES)).filter((f) => /\.json5?$/.test(f));
    assert.ok(files.length >= 2, 'examples/ has JSON configs');
    for (const file of files) {
      const text = await readFile(path.join(EXAMPLES, file), 'utf8');
      const entries = serverEntries(file.endsWith('.json5') ? JSON5.parse(text) : JSON.parse(text));
      assert.ok(entries.length > 0, `${file}: names a server command`);
      for (const entry of entries) {
        assertResolvable(entry, file);
        assertKnownEnv(entry.env, file);
      }
    }
  });

  test('codex-config.toml parses, and the real Codex CLI reads it as the "codex" MCP server', async () => {
    const text = await readFile(path.join(EXAMPLES, 'codex-config.toml'), 'utf8');
    const entry = (parseToml(text) as any).mcp_servers.codex as ServerEntry & { tool_timeout_sec: number };
    assertResolvable(entry, 'codex-config.toml');
    assertKnownEnv(entry.env, 'codex-config.toml');
    assert.ok(entry.tool_timeout_sec > 50, 'tool_timeout_sec outlasts codex_status waitSeconds (max 50)');

    // Codex rejects values of the wrong type but silently ignores misspelt keys, so compare
    // what `codex mcp get --json` understood with what the file says.
    const codexHome = await tempDir('codex-config');
    let stdout: string;
    try {
      await copyFile(path.join(EXAMPLES, 'codex-config.toml'), path.join(codexHome, 'config.toml'));
      ({ stdout } = await run(CODEX_BIN, ['mcp', 'get', 'codex', '--json'], {
        env: { PATH: process.env.PATH ?? '', HOME: codexHome, CODEX_HOME: codexHome },
        timeout: 20_000,
      }));
    } finally {
      await rm(codexHome, { recursive: true, force: true });
    }
    const seen = JSON.parse(stdout);
    assert.equal(seen.transport.type, 'stdio');
    assert.equal(seen.transport.command, entry.command);
    assert.deepEqual(seen.transport.args, entry.args);
    assert.deepEqual(seen.transport.env, { ...entry.env }); // smol-toml tables have a null prototype
    assert.deepEqual(seen.transport.env_vars, entry.env_vars);
    assert.equal(seen.tool_timeout_sec, entry.tool_timeout_sec);
  });

  test('every client example shows the published form and one that works without the registry', async () => {
    // Until the package is on npm, `npx -y codex-delegate-mcp` fails, silently in some clients.
    for (const [published, checkout] of [['.mcp.json', '.mcp.checkout.json'], ['cursor-mcp.json', 'cursor-mcp.checkout.json']] as const) {
      const a: ServerEntry = JSON.parse(await readFile(path.join(EXAMPLES, published), 'utf8')).mcpServers.codex;
      const b: ServerEntry = JSON.parse(await readFile(path.join(EXAMPLES, checkout), 'utf8')).mcpServers.codex;
      assert.equal(a.command, 'npx', published);
      assert.equal(b.command, 'node', checkout);
      assert.deepEqual(b.env, a.env, `${checkout} sets what ${published} sets`);
    }
    const toml = await readFile(path.join(EXAMPLES, 'codex-config.toml'), 'utf8');
    const tomlAlt = /^# command = "node"\n# args = \["([^"]+)"\]$/m.exec(toml);
    assert.ok(tomlAlt, 'codex-config.toml shows the node form in a comment');
    assertCheckoutPath(tomlAlt[1]!, 'codex-config.toml');
    const json5 = await readFile(path.join(EXAMPLES, 'openclaw.json5'), 'utf8');
    const json5Alt = /^\s*\/\/ command: "node", args: \["([^"]+)"\],$/m.exec(json5);
    assert.ok(json5Alt, 'openclaw.json5 shows the node form in a comment');
    assertCheckoutPath(json5Alt[1]!, 'openclaw.json5');
    const claudeCode = await readFile(path.join(EXAMPLES, 'claude-code.md'), 'utf8');
    const cliAlt = /claude mcp add .*codex -- node (\S+)$/m.exec(claudeCode);
    assert.ok(cliAlt, 'claude-code.md shows the node form');
    assertCheckoutPath(cliAlt[1]!, 'claude-code.md');
    for (const file of ['claude-desktop.md', '../README.md']) {
      const text = await readFile(path.join(EXAMPLES, file), 'utf8');
      const entries = [...text.matchAll(/```json\n([\s\S]*?)```/g)].flatMap((m) => serverEntries(JSON.parse(m[1]!)));
      assert.ok(entries.some((e) => e.command === 'npx'), `${file}: the published form`);
      assert.ok(entries.some((e) => e.command === 'node'), `${file}: the checkout form`);
      for (const entry of entries) {
        assertResolvable(entry, file);
        assertKnownEnv(entry.env, file);
      }
    }
  });

  test('every path into a checkout that the README and examples mention exists after a build, and the tarball name is npm pack\'s', async () => {
    const files = ['../README.md', ...(await readdir(EXAMPLES))];
    let seen = 0;
    for (const file of files) {
      const text = await readFile(path.join(EXAMPLES, file), 'utf8');
      for (const [found] of text.matchAll(/\/path\/to\/codex-delegate-mcp\/[\w./-]*[\w/]/g)) {
        assertCheckoutPath(found, file);
        seen++;
      }
      for (const [, name] of text.matchAll(/npm install -g (\S+\.tgz)/g)) {
        assert.match(name!, new RegExp(`^\\./${pkg.name}-(${pkg.version.replace(/\./g, '\\.')}|<version>)\\.tgz$`), `${file}: ${name} is what npm pack writes`);
      }
    }
    assert.ok(seen >= 6, `checkout paths are shown (${seen})`);
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    assert.match(readme, /npm install -g \.\/codex-delegate-mcp-/, 'the README shows the tarball install');
  });

  test('the markdown guides name the package and the bundle tool', async () => {
    const claudeCode = await readFile(path.join(EXAMPLES, 'claude-code.md'), 'utf8');
    assert.match(claudeCode, /claude mcp add .*codex -- npx -y codex-delegate-mcp/);
    const desktop = await readFile(path.join(EXAMPLES, 'claude-desktop.md'), 'utf8');
    assert.match(desktop, /npx @anthropic-ai\/mcpb pack/);
  });

  describe('launch-and-wait.ts against the built server and the mock model', () => {
    let world: World;
    before(async () => {
      assert.ok(existsSync(SERVER_MAIN), 'run npm run build first');
      world = await createWorld();
    });
    after(async () => {
      await world?.close();
    });

    // The script reads the server command from the environment, so the same file serves
    // installed users (npx) and this checkout (node dist/server/main.js).
    const script = (prompt: string) =>
      run(process.execPath, [path.join(EXAMPLES, 'launch-and-wait.ts'), prompt, world.workspace], {
        env: {
          ...world.env,
          CODEX_DELEGATE_MCP_COMMAND: process.execPath,
          CODEX_DELEGATE_MCP_ARGS: JSON.stringify([SERVER_MAIN]),
        },
        timeout: 30_000,
        maxBuffer: 1 << 20,
      });

    test('prints the whole answer, following the pages of codex_result', async () => {
      // 25000 chars is more than one default page (20000), so the paging loop runs.
      const { stdout, stderr } = await script('@big 25000');
      assert.equal(stdout.length, 25000 + 1, stderr);
      assert.match(stderr, /^launched \S+ in /m);
      assert.match(stderr, /^succeeded/m);
    });

    test('exits 1 with the error when the task fails', async () => {
      await assert.rejects(script('@fail the mock model says no'), (error: any) => {
        assert.equal(error.code, 1);
        assert.match(error.stderr, /^failed/m);
        assert.match(error.stderr, /the mock model says no/);
        return true;
      });
    });
  });
});

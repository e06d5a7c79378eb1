// The server users run is an esbuild bundle (scripts/build.ts) of src/server/main.ts, not tsc's
// module-per-file output: these check what bundling could silently break or undo.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { createWorld, ROOT } from '../support/harness.ts';
import { SERVER_MAIN, startClient } from '../support/mcp-client.ts';

const run = promisify(execFile);
const SERVER_DIR = path.dirname(SERVER_MAIN);

test('the server entry is a bundle whose chunks leave Ajv out (the SDK gets a validator that never builds one)', async () => {
  const entry = await readFile(SERVER_MAIN, 'utf8');
  assert.match(entry, /^#!\/usr\/bin\/env node\n/, 'the bin keeps its shebang');
  assert.match(entry, /\/\/# sourceMappingURL=main\.js\.map/, 'the entry has a source map');
  const chunks = (await readdir(SERVER_DIR)).filter((name) => /^bundle-\w+\.js$/.test(name));
  assert.ok(chunks.length > 0, 'the entry loads our code from bundle-*.js chunks');
  for (const chunk of chunks) {
    const code = await readFile(path.join(SERVER_DIR, chunk), 'utf8');
    assert.match(code, new RegExp(`//# sourceMappingURL=${chunk}\\.map`), `${chunk} has a source map`);
  }
  // The dependencies, bundled apart without source maps (mapping them costs start-up time).
  const vendor = (await readdir(path.join(SERVER_DIR, 'vendor'))).filter((name) => name.endsWith('.js'));
  assert.ok(vendor.includes('zod.js') && vendor.includes('modelcontextprotocol-sdk-server-mcp.js'), vendor.join(', '));
  for (const file of [...chunks, ...vendor.map((name) => path.join('vendor', name))]) {
    const code = await readFile(path.join(SERVER_DIR, file), 'utf8');
    assert.ok(!/node_modules\/ajv(-formats)?\//.test(code), `${file} bundles no Ajv module`);
  }
});

test('an unexpected error in the bundled server is logged with a stack that names src/*.ts lines', async () => {
  const world = await createWorld();
  // A state "directory" that is a file: reading the registry fails with ENOTDIR, which a tool
  // reports as a sentence while logging the full error, stack included, on stderr.
  await writeFile(world.stateDir, 'not a directory\n');
  const client = await startClient(world.env);
  const stderr: string[] = [];
  (client.client.transport as { stderr?: NodeJS.ReadableStream } | undefined)?.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
  try {
    const result = await client.call('codex_status', {});
    assert.equal(result.isError, true, JSON.stringify(result.content));
    const deadline = Date.now() + 5000;
    while (!/\n\s+at /.test(stderr.join('')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const log = stderr.join('');
    assert.match(log, /codex_status failed: .*ENOTDIR/, log);
    assert.match(log, /\n\s+at .*\bsrc\/[\w/.-]+\.ts:\d+:\d+/, `a stack frame names a source line:\n${log}`);
  } finally {
    await client.close();
    await world.close();
  }
});

test('--version from the bundle is package.json\'s', async () => {
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const { stdout } = await run(process.execPath, [SERVER_MAIN, '--version']);
  assert.equal(stdout.trim(), pkg.version);
});

test('the runner is a bundle too, and a runner that fails logs a stack that names src/*.ts lines', async () => {
  const runnerDir = path.join(ROOT, 'dist', 'runner');
  const entry = await readFile(path.join(runnerDir, 'main.js'), 'utf8');
  assert.match(entry, /\/\/# sourceMappingURL=main\.js\.map/, 'the entry has a source map');
  for (const chunk of (await readdir(runnerDir)).filter((name) => /^bundle-\w+\.js$/.test(name))) {
    assert.match(await readFile(path.join(runnerDir, chunk), 'utf8'), new RegExp(`//# sourceMappingURL=${chunk}\\.map`), `${chunk} has a source map`);
  }
  const world = await createWorld();
  try {
    // A state "directory" that is a file: the runner cannot read its registry.
    await writeFile(world.stateDir, 'not a directory\n');
    const { stderr } = await new Promise<{ stderr: string }>((resolve) =>
      execFile(process.execPath, [path.join(runnerDir, 'main.js'), world.stateDir, 'abcdef-12345678', '1'], { env: world.env }, (_error, _stdout, err) => resolve({ stderr: err })),
    );
    assert.match(stderr, /runner failed: .*ENOTDIR/, stderr);
    assert.match(stderr, /\n\s+at .*\bsrc\/[\w/.-]+\.ts:\d+:\d+/, `a stack frame names a source line:\n${stderr}`);
  } finally {
    await world.close();
  }
});

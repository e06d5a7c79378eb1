import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { makePaths } from '../../src/store/paths.ts';
import { Registry } from '../../src/store/registry.ts';
import { tempDir } from '../support/harness.ts';

const run = promisify(execFile);
const WORKER = new URL('../support/registry-worker.ts', import.meta.url).pathname;

let dir: string;
before(async () => {
  dir = await tempDir('registry');
});
after(async () => rm(dir, { recursive: true, force: true }));

test('N processes × M concurrent updates lose nothing', async () => {
  const home = path.join(dir, 'concurrent');
  const processes = 4;
  const updates = 40;
  await Promise.all(Array.from({ length: processes }, (_, w) => run(process.execPath, [WORKER, home, String(w), String(updates)])));
  const data = JSON.parse(await readFile(path.join(home, 'sessions.json'), 'utf8'));
  assert.equal(Object.keys(data.sessions).length, processes * updates);
  assert.equal((await stat(path.join(home, 'sessions.json'))).mode & 0o777, 0o600);
  assert.equal((await stat(home)).mode & 0o777, 0o700);
});

test('a state directory that cannot be created gives an error naming the path and the fix', async () => {
  const file = path.join(dir, 'a-file');
  await writeFile(file, '');
  const registry = new Registry(makePaths(path.join(file, 'state')));
  await assert.rejects(registry.init(), /Cannot use the state directory .*a-file\/state.*CODEX_DELEGATE_HOME/);
});

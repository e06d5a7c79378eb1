import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import lockfile from 'proper-lockfile';
import { z } from 'zod';
import { UserError } from '../../src/errors.ts';
import { asUserFacing } from '../../src/server/tool.ts';
import { makePaths } from '../../src/store/paths.ts';
import { tempDir } from '../support/harness.ts';

/** Real errors of each kind, turned into what a client reads. */

const logs: string[] = [];
const deps = (home: string) => ({ paths: makePaths(home), log: (line: string) => void logs.push(line) });

test('a registry held by another process: the path, and what to do, instead of "Lock file is already being held"', async () => {
  const home = await tempDir('lock');
  const paths = makePaths(home);
  await mkdir(home, { recursive: true });
  await writeFile(paths.registry, '{"version":1,"sessions":{}}');
  const release = await lockfile.lock(paths.registry, { realpath: false, lockfilePath: paths.lock });
  try {
    const error = await lockfile.lock(paths.registry, { realpath: false, lockfilePath: paths.lock, retries: 0 }).then(
      () => assert.fail('the second lock must fail'),
      (e: unknown) => e,
    );
    assert.equal((error as NodeJS.ErrnoException).code, 'ELOCKED');
    const message = asUserFacing(error, 'codex_launch', deps(home)).message;
    assert.match(message, new RegExp(`^The session registry at ${paths.registry} is locked by another process; codex_launch gave up waiting for it\\. Try again`));
    assert.match(message, new RegExp(`remove ${paths.lock}`));
    assert.doesNotMatch(message, /already being held/);
  } finally {
    await release();
  }
});

test('a bug: a sentence without its TypeError text, which goes to the log with its stack', async () => {
  let error: unknown;
  try {
    (undefined as unknown as { turns: unknown[] }).turns.at(-1);
  } catch (e) {
    error = e;
  }
  logs.length = 0;
  const message = asUserFacing(error, 'codex_status', deps('/state')).message;
  assert.equal(message, "codex_status failed because of an internal error in the server. Try again; if it repeats, report it with the server's stderr log, which has the details.");
  assert.match(logs.join('\n'), /codex_status failed: TypeError: Cannot read properties of undefined[\s\S]*\n\s+at /);
});

test('stored data of the wrong shape names the file and the field, not a zod dump', () => {
  const error = z.object({ turns: z.array(z.object({ createdAt: z.string() })) }).safeParse({ turns: [{}] }).error;
  const message = asUserFacing(error, 'codex_result', deps('/state')).message;
  assert.match(message, /^codex_result failed: data in \/state\/sessions\.json does not have the expected shape \(turns\.0\.createdAt should be a string\)/);
});

test('a file-system error names the path and the state directory', async () => {
  const error = await writeFile('/nonexistent-dir/x.json', 'x').catch((e: unknown) => e);
  const message = asUserFacing(error, 'codex_launch', deps('/state')).message;
  assert.match(message, /^codex_launch failed: the file system refused access to \/nonexistent-dir\/x\.json \(E[A-Z]+\)\. Check that the state directory \/state is writable/);
});

test('a UserError passes untouched', () => {
  const error = new UserError('bad_input', 'cwd must be an absolute path; "x" is relative.');
  assert.equal(asUserFacing(error, 'codex_launch', deps('/state')), error);
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';

// The core end-to-end file again, with the runners on `codex exec --json` (CODEX_DELEGATE_ENGINE=exec):
// the engine kept for Codex versions or setups without app-server must still do everything it did.
test('the core end-to-end tests pass on the exec engine too', { timeout: 600_000 }, () => {
  const file = path.join(import.meta.dirname, 'tools.test.ts');
  const run = spawnSync(process.execPath, ['--test', '--test-concurrency=1', file], {
    // Without NODE_TEST_CONTEXT the inner run reports on stdout like a run of its own.
    env: { ...withoutTestContext(process.env), CODEX_DELEGATE_ENGINE: 'exec' },
    encoding: 'utf8',
    timeout: 580_000,
  });
  assert.equal(run.status, 0, `tools.test.ts under CODEX_DELEGATE_ENGINE=exec failed:\n${run.stdout.slice(-6000)}\n${run.stderr.slice(-2000)}`);
  assert.match(run.stdout, /ℹ pass (\d+)/);
  assert.match(run.stdout, /ℹ fail 0/);
});

function withoutTestContext(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_TEST_CONTEXT: _ignored, ...rest } = env;
  return rest;
}

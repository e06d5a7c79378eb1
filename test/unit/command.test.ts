import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCodexArgs, buildCodexEnv } from '../../src/codex/command.ts';

const base = { cwd: '/work/app', sandbox: 'read-only' as const, model: null, reasoningEffort: null, lastMessageFile: '/s/last.txt', resumeThreadId: null };

test('a new thread: json, sandbox, cwd, prompt from stdin', () => {
  assert.deepEqual(buildCodexArgs(base), [
    'exec', '--json', '--skip-git-repo-check', '-C', '/work/app', '-s', 'read-only', '-c', 'sandbox_mode="read-only"', '-o', '/s/last.txt', '-',
  ]);
});

test('resume keeps cwd and sandbox before the subcommand, model and effort as options', () => {
  const args = buildCodexArgs({ ...base, model: 'gpt-5.5', reasoningEffort: 'high', resumeThreadId: 'thread-1' });
  assert.deepEqual(args.slice(-3), ['resume', 'thread-1', '-']);
  const beforeResume = args.slice(0, args.indexOf('resume'));
  assert.ok(beforeResume.includes('-C') && beforeResume.includes('-s'));
  assert.ok(beforeResume.includes('sandbox_mode="read-only"'));
  assert.ok(beforeResume.includes('model_reasoning_effort="high"'));
  assert.deepEqual(beforeResume.slice(beforeResume.indexOf('-m'), beforeResume.indexOf('-m') + 2), ['-m', 'gpt-5.5']);
});

test('the prompt never appears in argv', () => {
  assert.equal(buildCodexArgs(base).at(-1), '-');
});

test('OpenClaw secrets are stripped from the environment Codex gets', () => {
  const env = buildCodexEnv({ PATH: '/bin', CODEX_HOME: '/c', OPENCLAW_GATEWAY_TOKEN: 'g', OPENCLAW_HOOKS_TOKEN: 'h', OPENCLAW_GATEWAY_URL: 'http://x' });
  assert.deepEqual(env, { PATH: '/bin', CODEX_HOME: '/c', OPENCLAW_GATEWAY_URL: 'http://x' });
});

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { isFinished, sharedWorldClient } from '../support/mcp-client.ts';

/**
 * Defects found by the second hostile review (h-attack2, 2026-12-02) of interactive and
 * isolated runs, fixed since: each test failed on b277f2e. (Limits it found that are
 * documented rather than fixed: README, "Isolated runs" and "How it works".)
 */

const textOf = (result: CallToolResult) => result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
const gitEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('GIT_')));
function git(repo: string, ...args: string[]): string {
  return execFileSync('git', ['-C', repo, ...args], {
    encoding: 'utf8',
    env: { ...gitEnv, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' },
  });
}
let repos = 0;
async function makeRepo(root: string): Promise<string> {
  const repo = path.join(root, `a2-repo-${++repos}`);
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  await writeFile(path.join(repo, 'a.txt'), 'a\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'start');
  return repo;
}

describe('attack2 findings', { concurrency: 1 }, () => {
  const shared = sharedWorldClient({ CODEX_DELEGATE_MAX_CONCURRENT: '10' });

  const withCommit = 'git add . && git -c user.name=a -c user.email=a@a commit -qm x';
  for (const [action, commit] of [['apply', true], ['keep', true], ['apply', false], ['keep', false]] as const) {
    test(`${action}: a nested repository Codex made in the worktree (${commit ? 'with' : 'without'} a commit) is not lost`, async () => {
      const { client, world } = shared;
      const repo = await makeRepo(world.root);
      const launched = await client.ok('codex_launch', {
        prompt: `@run mkdir -p vendor/lib && cd vendor/lib && git init -q && printf "int main(){}\\n" > code.c${commit ? ` && ${withCommit}` : ''}`,
        cwd: repo,
        isolation: 'worktree',
      });
      await client.waitFor(launched.sessionId, isFinished);
      assert.ok(existsSync(path.join(launched.worktree.path, 'vendor/lib/code.c')), 'Codex made the file');
      const settled = await client.call('codex_apply', { sessionId: launched.sessionId, action });
      const where = action === 'apply' ? existsSync(path.join(repo, 'vendor/lib/code.c')) : existsSync(path.join(launched.worktree.path, 'vendor/lib/code.c'));
      // Either the work reaches the user (or stays recoverable), or the action refuses and keeps the worktree.
      assert.ok(settled.isError || where, `${action} said "${textOf(settled)}" but vendor/lib/code.c is gone: the user tree has ${existsSync(path.join(repo, 'vendor/lib')) ? JSON.stringify(readdirSync(path.join(repo, 'vendor/lib'))) : 'no vendor/lib'} and the worktree was deleted`);
    });
  }

  test('a steer accepted as the turn ends is either delivered or refused, never left pending with "the runner delivers it at once"', async () => {
    const { client, world } = shared;
    const launched = await client.ok('codex_launch', { prompt: '@busy 1000', cwd: world.workspace });
    let lost: Record<string, any> | null = null;
    for (let i = 0; i < 300; i++) {
      const steered = await client.call('codex_steer', { sessionId: launched.sessionId, prompt: `steer ${i}` });
      if (steered.isError) break;
      const out = steered.structuredContent as Record<string, any>;
      if (!out.delivered && out.status !== 'running') {
        lost = { ...out, text: textOf(steered) };
        break;
      }
      await sleep(20);
    }
    await client.waitFor(launched.sessionId, isFinished);
    const status = await client.ok('codex_status', { sessionId: launched.sessionId });
    const pending = status.steers.filter((s: { deliveredAt: string | null }) => s.deliveredAt === null);
    assert.equal(lost, null, `codex_steer answered ${JSON.stringify(lost)}; it is never delivered (pending steers: ${JSON.stringify(pending)})`);
    assert.ok(pending.every((s: { refused: string | null }) => s.refused), `every undelivered steer says why: ${JSON.stringify(pending)}`);
  });
});

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { applyWorktree } from '../../src/git/apply-worktree.ts';
import { createWorktree, removeWorktree } from '../../src/git/worktree.ts';
import { startFakeGateway } from '../support/fake-gateway.ts';
import { createWorld, gatewayEnv } from '../support/harness.ts';
import { isFinished, sharedWorldClient, startClient } from '../support/mcp-client.ts';
import { readFile } from 'node:fs/promises';

/**
 * Defects found by the second hostile review (h-attack2, 2026-12-02): interactive runs
 * and isolated runs. Each test fails on b277f2e and should pass once the defect is fixed.
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

  for (const action of ['apply', 'keep'] as const) {
    test(`${action}: a nested repository Codex made in the worktree is not lost`, async () => {
      const { client, world } = shared;
      const repo = await makeRepo(world.root);
      const launched = await client.ok('codex_launch', {
        prompt:
          '@run mkdir -p vendor/lib && cd vendor/lib && git init -q && printf "int main(){}\\n" > code.c && git add . && git -c user.name=a -c user.email=a@a commit -qm x',
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
  });

  test('apply is not refused because of unrelated untracked data in the user tree', async () => {
    const { world } = shared;
    const repo = await makeRepo(world.root);
    const worktree = await createWorktree({ cwd: repo, label: 'big', id: 'a2big0001', parentDir: path.join(world.root, 'a2-wt-big') });
    await writeFile(path.join(worktree.worktreePath, 'new.txt'), 'new\n');
    await mkdir(path.join(repo, 'data'), { recursive: true });
    await writeFile(path.join(repo, 'data', 'dataset.bin'), '');
    await truncate(path.join(repo, 'data', 'dataset.bin'), 300 * 1024 * 1024);
    const applied = await applyWorktree(worktree);
    assert.deepEqual(applied.diff.files.map((f) => f.path), ['new.txt']);
  });
  test('keep saves the work even when the worktree holds a large untracked file', async () => {
    const { world } = shared;
    const repo = await makeRepo(world.root);
    const worktree = await createWorktree({ cwd: repo, label: 'keepbig', id: 'a2keep0001', parentDir: path.join(world.root, 'a2-wt-keep') });
    await writeFile(path.join(worktree.worktreePath, 'work.txt'), 'the real work\n');
    await writeFile(path.join(worktree.worktreePath, 'big.bin'), '');
    await truncate(path.join(worktree.worktreePath, 'big.bin'), 300 * 1024 * 1024);
    const kept = await removeWorktree(worktree, 'keep');
    assert.ok(git(repo, 'ls-tree', '-r', '--name-only', kept.branch!).includes('work.txt'));
  });

  test('Codex can commit in its isolated worktree under the default sandbox (README: "Codex\'s commits")', async () => {
    const { client, world } = shared;
    const repo = await makeRepo(world.root);
    const launched = await client.ok('codex_launch', {
      prompt: '@run echo c > c.txt && git add -A && git -c user.name=a -c user.email=a@a commit -qm fromcodex',
      cwd: repo,
      isolation: 'worktree',
    });
    const status = await client.waitFor(launched.sessionId, isFinished);
    const log = git(repo, 'log', '--format=%s', launched.worktree.branch);
    assert.match(log, /fromcodex/, `the commit failed (turn ${status.status}): ${textOf(await client.call('codex_result', { sessionId: launched.sessionId })).slice(0, 600)}`);
  });
});

test('a running Codex cannot read the gateway tokens of another, queued turn (pending/*.env.json)', async () => {
  const gateway = await startFakeGateway({ gatewayToken: 'SEKRITGW4242', hooksToken: 'SEKRITHK4242' });
  const world = await createWorld({ ...gatewayEnv(gateway), CODEX_DELEGATE_MAX_CONCURRENT: '1' });
  const client = await startClient(world.env);
  try {
    const loot = path.join(world.workspace, 'loot.txt');
    const thief = await client.ok('codex_launch', { prompt: `@run sleep 2; cat ${world.stateDir}/pending/*.env.json > ${loot} 2>&1; true`, cwd: world.workspace });
    const queued = await client.ok('codex_launch', { prompt: 'second', cwd: world.root, sandbox: 'read-only' });
    assert.equal(queued.status, 'queued');
    await client.waitFor(thief.sessionId, isFinished);
    const read = await readFile(loot, 'utf8').catch(() => '');
    assert.doesNotMatch(read, /SEKRITGW4242|SEKRITHK4242/, 'the default workspace-write sandbox reads the whole disk, the 0600 settings file included');
    await client.waitFor(queued.sessionId, isFinished);
  } finally {
    await client.close();
    await world.close();
    await gateway.close();
  }
});

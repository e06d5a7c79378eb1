import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { makePaths } from '../../src/store/paths.ts';
import { Registry } from '../../src/store/registry.ts';
import { claimWorktree, isWorktreeBusy, releaseWorktree, setWorktreeState } from '../../src/store/worktree-state.ts';
import { tempDir } from '../support/harness.ts';
import { testSession } from '../support/sessions.ts';

/** codex_apply claims a worktree under the registry lock, so a resume recorded meanwhile is refused, and the reverse. */

let dir: string;
before(async () => {
  dir = await tempDir('worktree-claim');
});
after(async () => rm(dir, { recursive: true, force: true }));

test('a claim is seen by others until released or settled; a dead owner\'s claim counts for nothing; a queued turn refuses the claim', async () => {
  const registry = new Registry(makePaths(path.join(dir, 'state')));
  await registry.init();
  const session = testSession('claimed');
  session.worktree = { repoRoot: '/r', worktreePath: '/w/r', runCwd: '/w/r', subdir: '', branch: 'codex/x-1', baseCommit: 'a'.repeat(40), state: 'active', settledAt: null };
  await registry.update((data) => {
    data.sessions[session.id] = session;
  });
  const current = async () => (await registry.getSession(session.id))!.worktree!;

  await claimWorktree(registry, session.id, 'apply', () => {});
  assert.equal(isWorktreeBusy(await current()), true);
  await assert.rejects(claimWorktree(registry, session.id, 'discard', () => {}), /another codex_apply \(apply\) is at work on it/);
  await releaseWorktree(registry, session.id);
  assert.equal(isWorktreeBusy(await current()), false);

  // A claim left by a process that died (pid 2^22 + 1 does not exist) does not block anyone.
  await registry.update((data) => {
    data.sessions[session.id]!.worktree!.busy = { pid: 4_194_305, startTime: null, action: 'apply' };
  });
  assert.equal(isWorktreeBusy(await current()), false);
  await claimWorktree(registry, session.id, 'keep', () => {});
  await setWorktreeState(registry, session.id, 'kept', new Date().toISOString());
  const settled = await current();
  assert.equal(settled.state, 'kept');
  assert.equal(isWorktreeBusy(settled), false, 'settling ends the claim');

  // The check runs on the freshest record, under the lock: a turn queued meanwhile refuses it.
  await registry.update((data) => {
    data.sessions[session.id]!.worktree!.state = 'active';
    data.sessions[session.id]!.turns[0]!.status = 'queued';
  });
  await assert.rejects(
    claimWorktree(registry, session.id, 'apply', (s) => {
      if (s.turns[0]!.status === 'queued') throw new Error('a turn is queued');
    }),
    /a turn is queued/,
  );
  assert.equal(isWorktreeBusy(await current()), false);
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isFinished, sharedWorldClient } from '../support/mcp-client.ts';
import { processesWith, readSessionRecord, waitGroupGone, waitUntil } from '../support/processes.ts';

/**
 * Every process Codex starts ends with the turn, in every sandbox mode. Under
 * `workspace-write` and `read-only` a command runs under bubblewrap in a pid
 * namespace of its own; under `danger-full-access` Codex starts it in a new
 * session, outside the runner's process group, where a group signal never reaches.
 * The sleep lengths are odd numbers of this file only, so other tests running on
 * the machine at the same time are never mistaken for leftovers.
 */
const SANDBOXES = ['read-only', 'workspace-write', 'danger-full-access'] as const;

describe('every process a turn started ends with it', { concurrency: 1 }, () => {
  const shared = sharedWorldClient({ CODEX_DELEGATE_ALLOW_DANGER: '1' });

  async function waitForActivity(sessionId: string, pattern: RegExp): Promise<any> {
    let record: any;
    await waitUntil(async () => pattern.test((record = await readSessionRecord(shared.world.stateDir, sessionId)).turns.at(-1).activity), 30_000, `activity ${pattern}`);
    return record;
  }

  SANDBOXES.forEach((sandbox, i) => {
    test(`${sandbox}: cancel stops the running command`, async () => {
      const sleep = `sleep ${3101 + i}`;
      const launched = await shared.client.ok('codex_launch', { prompt: `@run ${sleep}`, sandbox });
      const record = await waitForActivity(launched.sessionId, /^running: /);
      await waitUntil(() => processesWith(sleep).length > 0, 10_000, 'the command to start');
      const cancelled = await shared.client.ok('codex_cancel', { sessionId: launched.sessionId, reason: 'test' });
      assert.equal(cancelled.status, 'cancelled');
      await waitGroupGone(record.turns[0].runner.pid);
      await waitUntil(() => processesWith(sleep).length === 0, 5000, `${sleep} to be gone after the cancel`);
    });

    test(`${sandbox}: a command that detaches itself (setsid -f) ends with the turn`, async () => {
      const sleep = `sleep ${3111 + i}`;
      const launched = await shared.client.ok('codex_launch', { prompt: `@run setsid -f ${sleep} </dev/null >/dev/null 2>&1\n@reply left one behind`, sandbox });
      const status = await shared.client.waitFor(launched.sessionId, isFinished, 60_000);
      assert.equal(status.status, 'succeeded', status.error);
      await waitUntil(() => processesWith(sleep).length === 0, 5000, `${sleep} to be gone after the turn`);
    });
  });

  test('Codex exits while a process it started holds its stdout: the turn ends anyway and the holder is reaped', async () => {
    // The command takes a copy of Codex's own stdout (pidfd_getfd on $PPID, which is Codex
    // under danger-full-access) in a process that detaches and sleeps: after Codex exits the
    // runner's pipe never reaches end-of-file. Any daemon that inherits Codex's stdout does this.
    const holder = 'hold-stdout-3121';
    const steal = `perl -e '$pf=syscall(434,$ARGV[0]+0,0); $fd=syscall(438,$pf,1,0); die "pidfd_getfd: $!" if $fd<0; sleep 300' $PPID ${holder}`;
    const launched = await shared.client.ok('codex_launch', { prompt: `@run setsid -f ${steal} </dev/null >/dev/null 2>&1\n@reply done`, sandbox: 'danger-full-access' });
    const status = await shared.client.waitFor(launched.sessionId, isFinished, 30_000);
    assert.equal(status.status, 'succeeded', status.error);
    assert.equal((await shared.client.ok('codex_result', { sessionId: launched.sessionId })).text, 'done');
    await waitUntil(() => processesWith(holder).length === 0, 5000, 'the stdout holder to be gone');
  });

  test('kill -9 of the runner under danger-full-access: the next look at the registry reaps what detached itself', async () => {
    const sleep = 'sleep 3131';
    // The answer waits a minute, so the runner is killed while the detached sleep is the turn's only command.
    const launched = await shared.client.ok('codex_launch', { prompt: `@run setsid -f ${sleep} </dev/null >/dev/null 2>&1\n@sleep 60000`, sandbox: 'danger-full-access' });
    await waitUntil(() => processesWith(sleep).length > 0, 30_000, 'the command to start');
    const record = await readSessionRecord(shared.world.stateDir, launched.sessionId);
    process.kill(record.turns[0].runner.pid, 'SIGKILL');
    await waitUntil(async () => (await shared.client.ok('codex_status', { sessionId: launched.sessionId })).status === 'interrupted', 10_000, 'the turn to be interrupted');
    await waitUntil(() => processesWith(sleep).length === 0, 5000, `${sleep} to be gone after the runner died`);
  });
});

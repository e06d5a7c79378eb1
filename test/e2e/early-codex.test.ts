// The runner starts Codex before it has claimed its turn (runner/early-codex.ts, issue 12). These
// tests make each way the claim or the turn can go wrong happen for certain, on the built runner
// with the real Codex binary: a cancel that arrives before the claim, a turn another runner owns, a
// prompt file that is not there, and a command that is not the turn's. Each must end correctly:
// the early Codex stopped within a second, one final state, one final message.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { allPids, isProcessAlive, processStartTime, processStat } from '../../src/process/liveness.ts';
import { makePaths, type Paths } from '../../src/store/paths.ts';
import { Registry } from '../../src/store/registry.ts';
import { startFakeGateway, type FakeGateway } from '../support/fake-gateway.ts';
import { createWorld, gatewayEnv, ROOT, type World } from '../support/harness.ts';
import { isFinished, startClient, type TestClient } from '../support/mcp-client.ts';
import { readSessionRecord, waitUntil } from '../support/processes.ts';

const RUNNER_MAIN = path.join(ROOT, 'dist', 'runner', 'main.js');
const ROUTE = { channel: 'telegram', target: '-100123' };

/** Starts the built runner for a turn as the scheduler does (runner/start-runner.ts): detached, its log in the session folder. */
function spawnRunner(paths: Paths, env: Record<string, string>, sessionId: string, inputId: string): number {
  const log = openSync(paths.turnFile(sessionId, 1, 'runner.log'), 'a', 0o600);
  const child = spawn(process.execPath, [RUNNER_MAIN, paths.home, sessionId, '1', inputId], { detached: true, stdio: ['ignore', log, log], env, cwd: paths.home });
  closeSync(log);
  child.unref();
  return child.pid!;
}

function childrenOf(pid: number): number[] {
  return allPids().filter((candidate) => processStat(candidate)?.ppid === pid);
}

async function earlyCodexOf(runnerPid: number): Promise<number> {
  let codex: number | undefined;
  await waitUntil(() => (codex = childrenOf(runnerPid)[0]) !== undefined, 10_000, 'the runner to start Codex early');
  assert.match(readFileSync(`/proc/${codex}/cmdline`, 'utf8'), /codex/);
  return codex!;
}

function runnerLog(paths: Paths, sessionId: string): string {
  try {
    return readFileSync(paths.turnFile(sessionId, 1, 'runner.log'), 'utf8');
  } catch {
    return '';
  }
}

/** Waits for the runner to say its claim failed, then gives the early Codex one second to be gone. */
async function assertStoppedWithinASecond(codexPid: number, claimFailed: () => boolean): Promise<void> {
  await waitUntil(claimFailed, 20_000, 'the claim to fail');
  const failedAt = Date.now();
  await waitUntil(() => !isProcessAlive(codexPid, null), 1000, 'the early Codex to stop within a second of the failed claim');
  assert.ok(Date.now() - failedAt <= 1000);
}

describe('Codex started before the claim', { concurrency: 1 }, () => {
  let gateway: FakeGateway;
  let world: World;
  let client: TestClient;
  let paths: Paths;
  let registry: Registry;
  let blocker: string;

  before(async () => {
    gateway = await startFakeGateway();
    // One slot, taken by a long turn: every launch below waits in the queue, its settings file (and
    // the Codex command in it) written, until the test starts its runner itself.
    world = await createWorld({ ...gatewayEnv(gateway), CODEX_DELEGATE_MAX_CONCURRENT: '1', CODEX_DELEGATE_HEARTBEAT_SECONDS: '0' });
    client = await startClient(world.env);
    paths = makePaths(world.stateDir);
    registry = new Registry(paths);
    blocker = (await client.ok('codex_launch', { prompt: '@sleep 120000', sandbox: 'read-only', label: 'blocker' })).sessionId;
  });

  after(async () => {
    await client.call('codex_cancel', { sessionId: blocker });
    await client.close();
    await gateway.close();
    await world.close();
  });

  /** A queued turn, moved to `running` without a runner as the scheduler does; `ready` runs under the registry lock. */
  async function queuedTurn(label: string, prompt: string): Promise<{ sessionId: string; inputId: string }> {
    const launched = await client.ok('codex_launch', { prompt, sandbox: 'read-only', label, notify: ROUTE, heartbeatSeconds: 0 });
    assert.equal(launched.status, 'queued');
    const inputId = (await readSessionRecord(world.stateDir, launched.sessionId)).turns[0].inputId as string;
    return { sessionId: launched.sessionId, inputId };
  }

  const markReady = (data: any, sessionId: string) => {
    const turn = data.sessions[sessionId].turns[0];
    turn.status = 'running';
    turn.startedAt = new Date().toISOString();
    turn.activity = 'starting';
    return turn;
  };

  const messagesAbout = (label: string) => gateway.messages().filter((text) => text.includes(label));

  test('a cancel that arrives before the claim: the turn ends cancelled once, the early Codex is stopped', async () => {
    const { sessionId, inputId } = await queuedTurn('early-cancel', '@reply must never run');
    let runner = 0;
    let codex = 0;
    // Under the lock, so the runner cannot claim yet; stopped once its Codex is up, so it cannot claim before the cancel.
    await registry.update(async (data) => {
      markReady(data, sessionId);
      runner = spawnRunner(paths, world.env, sessionId, inputId);
      codex = await earlyCodexOf(runner);
      process.kill(runner, 'SIGSTOP');
    });
    try {
      const cancelled = await client.ok('codex_cancel', { sessionId, reason: 'changed my mind' });
      assert.equal(cancelled.status, 'cancelled');
    } finally {
      process.kill(runner, 'SIGCONT');
    }
    await assertStoppedWithinASecond(codex, () => runnerLog(paths, sessionId).includes('is not waiting for a runner'));
    await waitUntil(() => !isProcessAlive(runner, null), 20_000, 'the runner to leave');
    const turn = (await readSessionRecord(world.stateDir, sessionId)).turns[0];
    assert.equal(turn.status, 'cancelled');
    assert.equal(turn.runner, null, 'the runner never took the turn');
    await waitUntil(() => messagesAbout('early-cancel').length > 0, 10_000, 'the final message');
    await sleep(500);
    const sent = messagesAbout('early-cancel');
    assert.equal(sent.length, 1, sent.join('\n'));
    assert.match(sent[0]!, /^🛑/);
    assert.equal(world.model.requests.filter((r) => JSON.stringify(r).includes('must never run')).length, 0, 'the prompt never reached the model');
  });

  test('a turn another runner owns: the early Codex is stopped, the turn and the chat are left alone', async () => {
    const { sessionId, inputId } = await queuedTurn('early-owned', '@reply must never run either');
    const owner = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      await registry.update((data) => {
        markReady(data, sessionId).runner = { pid: owner.pid!, startTime: processStartTime(owner.pid!) };
      });
      const runner = spawnRunner(paths, world.env, sessionId, inputId);
      const codex = await earlyCodexOf(runner);
      await assertStoppedWithinASecond(codex, () => runnerLog(paths, sessionId).includes('is not waiting for a runner'));
      await waitUntil(() => !isProcessAlive(runner, null), 20_000, 'the runner to leave');
      const turn = (await readSessionRecord(world.stateDir, sessionId)).turns[0];
      assert.equal(turn.status, 'running');
      assert.equal(turn.runner.pid, owner.pid, 'still the owner’s');
      assert.deepEqual(messagesAbout('early-owned'), []);
    } finally {
      owner.kill('SIGKILL');
    }
  });

  test('a prompt file that is not there: the turn fails once with a reason, the early Codex is stopped', async () => {
    const { sessionId, inputId } = await queuedTurn('early-noprompt', '@reply lost prompt');
    await rm(paths.turnInput(sessionId, 1, inputId, 'prompt.txt'));
    await registry.update((data) => void markReady(data, sessionId));
    const runner = spawnRunner(paths, world.env, sessionId, inputId);
    const codex = await earlyCodexOf(runner);
    const status = await client.waitFor(sessionId, isFinished, 20_000);
    await assertStoppedWithinASecond(codex, () => true);
    assert.equal(status.status, 'failed');
    assert.match(status.error, /prompt\.txt/);
    await waitUntil(() => !isProcessAlive(runner, null), 20_000, 'the runner to leave');
    await sleep(300);
    const finals = messagesAbout('early-noprompt').filter((text) => !text.startsWith('🚀'));
    assert.equal(finals.length, 1, finals.join('\n'));
    assert.match(finals[0]!, /^❌/);
  });

  test('a working directory that became a file while the turn waited: the turn fails once with a reason, the runner does not crash', async () => {
    const dir = path.join(world.root, 'became-a-file');
    await mkdir(dir);
    const launched = await client.ok('codex_launch', { prompt: '@reply never', sandbox: 'read-only', label: 'early-notdir', cwd: dir, notify: ROUTE, heartbeatSeconds: 0 });
    assert.equal(launched.status, 'queued');
    const inputId = (await readSessionRecord(world.stateDir, launched.sessionId)).turns[0].inputId as string;
    await rm(dir, { recursive: true });
    await writeFile(dir, 'not a directory any more');
    await registry.update((data) => void markReady(data, launched.sessionId));
    spawnRunner(paths, world.env, launched.sessionId, inputId);
    const status = await client.waitFor(launched.sessionId, isFinished, 20_000);
    assert.equal(status.status, 'failed');
    assert.match(status.error, /Codex could not be started/);
    await sleep(500);
    const finals = messagesAbout('early-notdir').filter((text) => !text.startsWith('🚀'));
    assert.equal(finals.length, 1, finals.join('\n'));
    assert.match(finals[0]!, /^❌/);
  });

  test('a Codex command that is not the turn’s is not used: the runner starts the right one and the turn succeeds', async () => {
    const { sessionId, inputId } = await queuedTurn('early-mismatch', '@reply right command');
    const settings = paths.turnInput(sessionId, 1, inputId, 'env.json');
    const written = JSON.parse(await readFile(settings, 'utf8'));
    written.codex.env.EXTRA_SETTING = 'not the turn’s';
    await writeFile(settings, JSON.stringify(written), { mode: 0o600 });
    await registry.update((data) => void markReady(data, sessionId));
    const runner = spawnRunner(paths, world.env, sessionId, inputId);
    const early = await earlyCodexOf(runner);
    const status = await client.waitFor(sessionId, isFinished, 30_000);
    assert.equal(status.status, 'succeeded', status.error);
    assert.equal((await client.ok('codex_result', { sessionId })).text, 'right command');
    assert.ok(!isProcessAlive(early, null));
    assert.match(runnerLog(paths, sessionId), /Codex started early \(pid \d+\) was not used and was stopped: the turn needs a different command/);
  });
});

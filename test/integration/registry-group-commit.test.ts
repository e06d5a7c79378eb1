// A process's concurrent registry changes are written in groups (src/store/write-queue.ts): fewer
// lock cycles and fsyncs in a burst, each change still all-or-nothing, on the real files and lock.
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { makePaths } from '../../src/store/paths.ts';
import { Registry } from '../../src/store/registry.ts';
import { tempDir } from '../support/harness.ts';
import { testSession } from '../support/sessions.ts';

async function freshRegistry(name: string): Promise<Registry> {
  const registry = new Registry(makePaths(path.join(await tempDir('group-commit'), name)));
  await registry.init();
  return registry;
}

test('20 changes sent at once: all written, in a few writes, each with its own result', async () => {
  const registry = await freshRegistry('burst');
  await registry.update(() => {}); // the file exists, so every write below replaces it (a new inode each)
  const inodes = new Set<number>();
  const watch = setInterval(() => void stat(registry.paths.registry).then((s) => inodes.add(s.ino), () => {}), 1);
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      registry.update((data) => {
        const session = testSession(`burst-${i}`);
        data.sessions[session.id] = session;
        return i;
      }),
    ),
  );
  clearInterval(watch);
  assert.deepEqual(results, Array.from({ length: 20 }, (_, i) => i));
  assert.equal(Object.keys((await registry.read()).sessions).length, 20);
  // The first change is written alone, the 19 that arrived meanwhile together: not 20 writes.
  assert.ok(inodes.size <= 4, `${inodes.size} versions of the file were seen`);
});

test('a change that throws inside a group leaves nothing behind; the others are written', async () => {
  const registry = await freshRegistry('throws');
  const blocker = registry.update(async () => new Promise((resolve) => setTimeout(resolve, 50))); // the next three form one group
  const before = registry.update((data) => void (data.sessions[testSession('kept-1').id] = testSession('kept-1')));
  const failing = registry.update((data) => {
    data.sessions[testSession('half-done').id] = testSession('half-done');
    delete data.sessions[testSession('kept-1').id];
    throw new Error('refused half-way');
  });
  const after = registry.update((data) => {
    assert.ok(data.sessions[testSession('kept-1').id], 'the failed change was undone before the next one ran');
    data.sessions[testSession('kept-2').id] = testSession('kept-2');
  });
  await blocker;
  await before;
  await assert.rejects(failing, /refused half-way/);
  await after;
  const ids = Object.keys((await registry.read()).sessions).sort();
  assert.deepEqual(ids, [testSession('kept-1').id, testSession('kept-2').id].sort());
});

test('a change that waits for another change of the same process is refused, not left waiting forever', async () => {
  const registry = await freshRegistry('nested');
  await assert.rejects(
    registry.update(async () => registry.update(() => {})),
    /cannot wait for another change of the same process/,
  );
  // Work a change leaves behind may change the registry once the change is over.
  let later: Promise<void> | undefined;
  await registry.update(() => {
    later = new Promise((resolve) => setTimeout(resolve, 10)).then(() => registry.update(() => {}));
  });
  await later;
});

test('a lock never obtained fails the changes that waited for it, not one that came later', async () => {
  const holder = await freshRegistry('held');
  const waiter = new Registry(holder.paths, () => {}, { lockWaitMs: 600 });
  // A live holder (this very process) is never taken over: the other registry waits and gives up.
  const held = holder.update(() => new Promise((resolve) => setTimeout(resolve, 1000)));
  await new Promise((resolve) => setTimeout(resolve, 50));
  const early = waiter.update((data) => void (data.sessions[testSession('early').id] = testSession('early')));
  await new Promise((resolve) => setTimeout(resolve, 400));
  const late = waiter.update((data) => void (data.sessions[testSession('late').id] = testSession('late')));
  await assert.rejects(early, /lock/i);
  await held;
  await late; // its own full wait: the lock came free meanwhile
  assert.deepEqual(Object.keys((await waiter.read()).sessions), [testSession('late').id]);
});

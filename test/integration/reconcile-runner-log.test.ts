// A runner that dies while loading (a Node.js too old for a dependency, a broken install) leaves
// its reason only in turn-N.runner.log: the `interrupted` error must quote it.
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { makePaths } from '../../src/store/paths.ts';
import { reconcile } from '../../src/store/reconcile.ts';
import { Registry } from '../../src/store/registry.ts';
import { newTurn, type Session } from '../../src/store/session.ts';
import { tempDir } from '../support/harness.ts';

test('a turn whose runner never started quotes the first lines of the runner log in its error', async () => {
  const home = await tempDir('reconcile-log');
  try {
    const paths = makePaths(home);
    const registry = new Registry(paths);
    await registry.init();
    const startedAt = new Date(Date.now() - 60_000).toISOString();
    const turn = { ...newTurn(1, startedAt, { timeoutSeconds: 600, heartbeatSeconds: 0, heartbeatStyle: 'new', maxTokens: null, notify: null }), status: 'running' as const, startedAt };
    const session: Session = {
      id: 'mabcdefg-0123abcd', label: null, cwd: home, sandbox: 'read-only', model: null, reasoningEffort: null,
      allowConcurrentWrites: false, createdAt: startedAt, threadId: null, turns: [turn], outbox: [], notifications: [], notifyWarning: null,
    };
    await registry.update((data) => {
      data.sessions[session.id] = session;
    });
    await mkdir(paths.sessionDir(session.id), { recursive: true });
    // What the runner entry writes on Node 20 (the real text; see src/node-version.ts).
    await writeFile(paths.turnFile(session.id, 1, 'runner.log'), '\n[codex-delegate-mcp] codex-delegate-mcp needs Node.js ^22.22.2 || ^24.15.0 || >=26.0.0 (its dependencies do), but this is Node.js v20.20.2 (/usr/bin/node).\n');

    const dead = await reconcile(registry);
    assert.deepEqual(dead, [{ sessionId: session.id, turn: 1 }]);
    const ended = (await registry.read()).sessions[session.id]!.turns[0]!;
    assert.equal(ended.status, 'interrupted');
    assert.match(ended.error ?? '', /runner never started, or stopped before it claimed the turn/);
    assert.match(ended.error ?? '', /turn-1\.runner\.log\) begins: \[codex-delegate-mcp\] codex-delegate-mcp needs Node\.js .* but this is Node\.js v20\.20\.2/);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});

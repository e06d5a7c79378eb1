import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { createWorld } from '../support/harness.ts';
import { isFinished, startClient } from '../support/mcp-client.ts';
import { waitUntil } from '../support/processes.ts';
import { testSession } from '../support/sessions.ts';

/** Every tool works the same on a session that history has moved to the archive. */

const textOf = (result: { content?: unknown }) => ((result.content as { text?: string }[] | undefined) ?? []).map((c) => c.text ?? '').join('\n');

describe('an archived session', { concurrency: 1 }, () => {
  test('status, result, cancel, resources and filtered listings work on it; resume brings it back; forget deletes it', async () => {
    const world = await createWorld();
    let client = await startClient(world.env);
    try {
      const launched = await client.ok('codex_launch', { prompt: '@reply the archived answer', label: 'Old Work' });
      await client.waitFor(launched.sessionId, isFinished, 30_000);
      await client.close();

      // History arrives: 60 newer finished sessions, written in the previous format (one file).
      const file = path.join(world.stateDir, 'sessions.json');
      const data = JSON.parse(await readFile(file, 'utf8'));
      for (let i = 0; i < 60; i++) {
        const session = testSession(`later-${i}`, new Date(Date.now() + (i + 1) * 1000).toISOString());
        data.sessions[session.id] = session;
      }
      await writeFile(file, JSON.stringify(data));

      client = await startClient(world.env);
      const id = launched.sessionId;
      await waitUntil(async () => !(id in JSON.parse(await readFile(file, 'utf8')).sessions), 20_000, 'the oldest session to be archived');
      assert.ok(existsSync(path.join(world.stateDir, 'sessions', id, 'session.json')), 'its record lies beside its turn files');

      const status = await client.ok('codex_status', { sessionId: id });
      assert.equal(status.status, 'succeeded');
      assert.equal(status.label, 'Old Work');
      assert.equal((await client.ok('codex_result', { sessionId: id })).text, 'the archived answer');
      const cancelled = await client.ok('codex_cancel', { sessionId: id });
      assert.equal(cancelled.alreadyFinished, true);
      const resource = await client.client.readResource({ uri: `codex://sessions/${id}/result` });
      assert.equal((resource.contents[0] as { text: string }).text, 'the archived answer');

      const byLabel = await client.ok('codex_status', { label: 'old work' });
      assert.deepEqual(byLabel.sessions.map((s: any) => s.sessionId), [id]);
      assert.equal(byLabel.nextCursor, null);
      const byDir = await client.ok('codex_status', { cwd: world.workspace });
      assert.deepEqual(byDir.sessions.map((s: any) => s.sessionId), [id], 'the generated sessions ran in /tmp');
      const first = await client.ok('codex_status', { limit: 40 });
      assert.equal(first.sessions.length, 40);
      const second = await client.ok('codex_status', { limit: 40, cursor: first.nextCursor });
      assert.equal(second.sessions.length, 21);
      assert.equal(second.sessions.at(-1).sessionId, id, 'the oldest comes last, listed once');
      assert.equal(second.nextCursor, null);
      const badCursor = await client.call('codex_status', { cursor: 'not-a-cursor' });
      assert.ok(badCursor.isError);
      assert.match(textOf(badCursor), /cursor is not a nextCursor from codex_status/);

      const resumed = await client.ok('codex_resume', { sessionId: id, prompt: '@reply back again' });
      assert.equal(resumed.turn, 2);
      assert.equal((await client.waitFor(id, isFinished, 30_000)).status, 'succeeded');
      assert.equal((await client.ok('codex_result', { sessionId: id })).text, 'back again');
      assert.equal((await client.ok('codex_result', { sessionId: id, turn: 1 })).text, 'the archived answer');

      const forgotten = await client.ok('codex_forget', { sessionId: id });
      assert.equal(forgotten.forgotten, true);
      const gone = await client.call('codex_status', { sessionId: id });
      assert.ok(gone.isError);
      assert.match(textOf(gone), /No session .* is recorded here/);
      assert.equal(existsSync(path.join(world.stateDir, 'sessions', id)), false);
      assert.ok(!(await client.ok('codex_status', { limit: 200 })).sessions.some((s: any) => s.sessionId === id));
    } finally {
      await client.close();
      await world.close();
    }
  });
});

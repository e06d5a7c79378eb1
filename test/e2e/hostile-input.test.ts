import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { isFinished, sharedWorldClient } from '../support/mcp-client.ts';

/**
 * Input that passes every schema but aims at the corners: session ids that are
 * names of Object.prototype members, URIs of resources that do not exist, a
 * registry record damaged by hand. Every answer is a sentence a person can act
 * on: no zod dump, no TypeError text, no stack.
 */

const textOf = (result: CallToolResult) => result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

function assertActionable(text: string): void {
  assert.ok(text.trim().length > 0 && text.length < 1000, `short and not empty: ${text}`);
  assert.doesNotMatch(text, /^\s*(MCP error -?\d+: )?\s*[[{]/, `not a raw JSON dump: ${text}`);
  assert.doesNotMatch(text, /"(code|path|expected)"\s*:/, `no zod issue objects: ${text}`);
  assert.doesNotMatch(text, /\n\s+at \S+ \(|\bat async\b/, `no stack trace: ${text}`);
  assert.doesNotMatch(text, /TypeError|Cannot read properties|is not a function|\bundefined\b|\[object Object\]/, `no leaked internals: ${text}`);
  assert.match(text, /\S[.;!?](\s|$)/, `reads as a sentence: ${text}`);
}

const PROTOTYPE_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

describe('hostile but valid input', { concurrency: 1 }, () => {
  const shared = sharedWorldClient();
  const rejection = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      return (error as Error).message;
    }
    assert.fail('expected the request to be refused');
  };

  test('resources/subscribe on codex://sessions/<prototype member> is refused with a sentence', async () => {
    for (const name of PROTOTYPE_NAMES) {
      const message = await rejection(shared.client.client.subscribeResource({ uri: `codex://sessions/${name}` }));
      assertActionable(message);
      assert.match(message, /is not a session id; list sessions with codex_status/);
    }
    const unknown = await rejection(shared.client.client.subscribeResource({ uri: 'codex://sessions/mf3k2x9a-1a2b3c4d' }));
    assert.match(unknown, /No session mf3k2x9a-1a2b3c4d is recorded here/);
    const other = await rejection(shared.client.client.subscribeResource({ uri: 'file:///etc/passwd' }));
    assertActionable(other);
    assert.match(other, /codex:\/\/sessions\/\{sessionId\}/);
  });

  test('resources/read and completion of prototype member names', async () => {
    for (const name of PROTOTYPE_NAMES) {
      for (const suffix of ['', '/result', '/events']) {
        const message = await rejection(shared.client.client.readResource({ uri: `codex://sessions/${name}${suffix}` }));
        assertActionable(message);
      }
      const completion = await shared.client.client.complete({
        ref: { type: 'ref/resource', uri: 'codex://sessions/{sessionId}' },
        argument: { name: 'sessionId', value: name },
      });
      assert.deepEqual(completion.completion.values, []);
    }
  });

  test('a cwd too long to open, and a label with a line break: short answers, one line per session', async () => {
    const long = await shared.client.call('codex_launch', { prompt: 'x', cwd: `/${'a'.repeat(5000)}` });
    assert.equal(long.isError, true);
    assertActionable(textOf(long));
    assert.match(textOf(long), /cannot be opened \(ENAMETOOLONG\); pass a directory this user can reach/);
    const launched = await shared.client.ok('codex_launch', { prompt: '@reply x', label: 'two\n⚠ lines', sandbox: 'read-only' });
    await shared.client.waitFor(launched.sessionId, isFinished);
    const listing = textOf(await shared.client.call('codex_status', {}));
    const sessions = (await shared.client.ok('codex_status', {})).sessions;
    assert.equal(listing.split('\n').length, sessions.length, listing);
    assert.match(listing, new RegExp(`${launched.sessionId} succeeded · two ⚠ lines · `));
  });

  test('a registry record damaged by hand: every tool answers with a sentence, the listing still works', async () => {
    const launched = await shared.client.ok('codex_launch', { prompt: '@reply intact' });
    await shared.client.waitFor(launched.sessionId, isFinished);
    const file = path.join(shared.world.stateDir, 'sessions.json');
    const data = JSON.parse(await readFile(file, 'utf8'));
    const damaged = 'mf3k2x9a-0000dead';
    data.sessions[damaged] = { ...data.sessions[launched.sessionId], id: damaged, turns: [{ turn: 1, status: 'succeeded' }], notifications: 'oops' };
    await writeFile(file, JSON.stringify(data));

    for (const [tool, args] of [
      ['codex_status', { sessionId: damaged }],
      ['codex_result', { sessionId: damaged }],
      ['codex_resume', { sessionId: damaged, prompt: 'go on' }],
      ['codex_cancel', { sessionId: damaged }],
    ] as const) {
      const result = await shared.client.call(tool, args);
      assert.equal(result.isError, true, `${tool}: ${textOf(result)}`);
      assertActionable(textOf(result));
      assert.match(textOf(result), new RegExp(`${damaged}|sessions\\.json`), `${tool} names what is damaged: ${textOf(result)}`);
    }
    const listing = await shared.client.call('codex_status', {});
    assert.notEqual(listing.isError, true, textOf(listing));
    const listed = (listing.structuredContent as any).sessions.map((s: any) => s.sessionId);
    assert.ok(listed.includes(launched.sessionId), 'the intact session is still listed');
    assert.match(textOf(listing), new RegExp(`damaged session record .*${damaged}`));
    assert.equal((await shared.client.ok('codex_status', { sessionId: launched.sessionId })).status, 'succeeded');
  });
});

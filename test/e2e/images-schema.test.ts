import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createWorld, type World } from '../support/harness.ts';
import { isFinished, startClient, type TestClient } from '../support/mcp-client.ts';

// The smallest valid PNG: a 1x1 transparent pixel.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const text = (result: { content: unknown }) => JSON.stringify(result.content);

describe('images and outputSchema on the app-server engine', () => {
  let world: World;
  let client: TestClient;
  let image: string;
  before(async () => {
    world = await createWorld({ CODEX_DELEGATE_ENGINE: 'app-server' });
    client = await startClient(world.env);
    image = path.join(world.root, 'pixel.png');
    await writeFile(image, PNG);
  });
  after(async () => {
    await client?.close();
    await world?.close();
  });

  test('images reach Codex as image inputs, on launch and on resume', async () => {
    const launched = await client.ok('codex_launch', { prompt: '@images\nthe pictures:', images: [image, image], sandbox: 'read-only' });
    const done = await client.waitFor(launched.sessionId, isFinished);
    assert.equal(done.status, 'succeeded', done.error);
    assert.equal((await client.ok('codex_result', { sessionId: launched.sessionId })).text, 'MOCK-IMAGES: 2');
    await client.ok('codex_resume', { sessionId: launched.sessionId, prompt: '@images\nthe picture:', images: [image] });
    await client.waitFor(launched.sessionId, isFinished);
    assert.match((await client.ok('codex_result', { sessionId: launched.sessionId })).text, /^MOCK-IMAGES: [1-3]$/);
  });

  test('images: a missing file, a non-image, a relative path, too many: isError with a sentence', async () => {
    const notImage = path.join(world.root, 'notes.txt');
    await writeFile(notImage, 'just text');
    const cases: [unknown, RegExp][] = [
      [[path.join(world.root, 'missing.png')], /images\[0\] .* does not exist/],
      [[notImage], /images\[0\] .* is not an image Codex can read/],
      [['pixel.png'], /images\[0\] .* is not an absolute path/],
      [Array(11).fill(image), /images may list at most 10 files/],
    ];
    for (const [images, message] of cases) {
      const refused = await client.call('codex_launch', { prompt: 'look', images, sandbox: 'read-only' });
      assert.equal(refused.isError, true, JSON.stringify(images));
      assert.match(text(refused), message);
    }
  });

  test('outputSchema: codex_result returns the parsed json beside the text; a non-JSON answer gives json null and a reason', async () => {
    const outputSchema = { type: 'object', properties: { name: { type: 'string' }, count: { type: 'number' } }, required: ['name', 'count'], additionalProperties: false };
    const launched = await client.ok('codex_launch', { prompt: '@json', outputSchema, sandbox: 'read-only' });
    await client.waitFor(launched.sessionId, isFinished);
    const result = await client.ok('codex_result', { sessionId: launched.sessionId });
    assert.deepEqual(result.json, { name: 'mock', count: 42 });
    assert.equal(JSON.parse(result.text).count, 42);
    await client.ok('codex_resume', { sessionId: launched.sessionId, prompt: '@reply not json at all', outputSchema });
    await client.waitFor(launched.sessionId, isFinished);
    const bad = await client.call('codex_result', { sessionId: launched.sessionId });
    assert.notEqual(bad.isError, true);
    assert.equal((bad.structuredContent as any).json, null);
    assert.match((bad.structuredContent as any).jsonError, /not valid JSON/);
    const plain = await client.ok('codex_launch', { prompt: '@reply no schema', sandbox: 'read-only' });
    await client.waitFor(plain.sessionId, isFinished);
    assert.equal('json' in (await client.ok('codex_result', { sessionId: plain.sessionId })), false, 'no json without an outputSchema');
  });
});

test('on the exec engine images, outputSchema and approvals "ask" are isError naming CODEX_DELEGATE_ENGINE', async () => {
  const world = await createWorld({ CODEX_DELEGATE_ENGINE: 'exec' });
  const client = await startClient(world.env);
  try {
    for (const extra of [{ approvals: 'ask' }, { outputSchema: { type: 'object' } }]) {
      const refused = await client.call('codex_launch', { prompt: 'x', sandbox: 'read-only', ...extra });
      assert.equal(refused.isError, true);
      assert.match(text(refused), /CODEX_DELEGATE_ENGINE/);
    }
  } finally {
    await client.close();
    await world.close();
  }
});

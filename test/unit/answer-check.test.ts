import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { initialProgress, type Progress } from '../../src/codex/fold-events.ts';
import { checkStoredAnswer } from '../../src/runner/answer-check.ts';
import { resultTool } from '../../src/server/tools/result.ts';
import { makePaths } from '../../src/store/paths.ts';
import { tempDir } from '../support/harness.ts';

const whole = 'x'.repeat(1_500_000);
const completed = (lastMessage: string | null): Progress => ({ ...initialProgress('t'), completed: true, lastMessage });

async function turnWithStoredAnswer(stored: string) {
  const paths = makePaths(await tempDir('answer'));
  await mkdir(paths.sessionDir('s'), { recursive: true });
  await writeFile(paths.turnFile('s', 1, 'last-message.txt'), stored);
  return paths;
}

describe('the stored answer is checked against the one Codex gave', () => {
  test('a whole answer is left alone', async () => {
    const paths = await turnWithStoredAnswer(whole);
    assert.deepEqual(await checkStoredAnswer(paths, 's', 1, completed(whole), () => {}), { text: whole, fullChars: whole.length, storedChars: null });
  });

  test('an answer Codex could not write whole is written again by the runner', async () => {
    const paths = await turnWithStoredAnswer(whole.slice(0, 90_112));
    const answer = await checkStoredAnswer(paths, 's', 1, completed(whole), () => {});
    assert.deepEqual({ ...answer, text: answer.text?.length }, { text: whole.length, fullChars: whole.length, storedChars: null });
    assert.equal(await readFile(paths.turnFile('s', 1, 'last-message.txt'), 'utf8'), whole);
  });

  test('when the runner cannot write it either (disk full), the turn records how much was kept', async () => {
    const paths = await turnWithStoredAnswer(whole.slice(0, 90_112));
    const diskFull = async () => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    const answer = await checkStoredAnswer(paths, 's', 1, completed(whole), () => {}, diskFull);
    assert.deepEqual({ ...answer, text: answer.text?.length }, { text: 90_112, fullChars: whole.length, storedChars: 90_112 });
  });

  test('nothing to compare when the turn did not complete or its last message was too long to read', async () => {
    const paths = await turnWithStoredAnswer('partial');
    assert.equal((await checkStoredAnswer(paths, 's', 1, { ...completed(whole), completed: false }, () => {})).storedChars, null);
    assert.equal((await checkStoredAnswer(paths, 's', 1, null, () => {})).storedChars, null);
  });

  test('codex_result says the answer is incomplete', () => {
    const out = {
      sessionId: 's', turn: 1, status: 'succeeded' as const, done: true, text: 'x'.repeat(10), offset: 0, nextOffset: 10, totalChars: 90_112,
      fullChars: 1_500_000, view: 'text' as const, filesChanged: [], diff: null, commands: [], usage: { inputTokens: 0, cachedInputTokens: 0, cacheWriteInputTokens: 0, outputTokens: 0, reasoningOutputTokens: 0 }, error: null, errorKind: null,
    };
    assert.match(resultTool.summary(out), /The answer is incomplete: only 90112 of 1500000 characters could be stored/);
    assert.doesNotMatch(resultTool.summary({ ...out, fullChars: null }), /incomplete/);
  });
});

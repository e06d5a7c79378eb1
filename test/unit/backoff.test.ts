import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffMs } from '../../src/notify/outbox.ts';

test('retry delays double from 2 s with jitter, so 6 tries span about two minutes, capped at 10 min', () => {
  const total = (random: () => number) => [1, 2, 3, 4, 5, 6].reduce((sum, attempt) => sum + backoffMs(attempt, random), 0);
  assert.equal(total(() => 1), 126_000);
  assert.equal(total(() => 0), 63_000);
  assert.equal(backoffMs(1, () => 1), 2000);
  assert.equal(backoffMs(2, () => 0), 2000);
  assert.equal(backoffMs(30, () => 1), 600_000);
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

test('SKILL.md has the frontmatter OpenClaw reads: name, description, metadata.openclaw', () => {
  const text = readFileSync(new URL('../../SKILL.md', import.meta.url), 'utf8');
  const front = /^---\n([\s\S]*?)\n---\n/.exec(text)?.[1];
  assert.ok(front, 'frontmatter present');
  const field = (name: string) => new RegExp(`^${name}: (.+)$`, 'm').exec(front)?.[1];
  assert.equal(field('name'), 'codex-delegate');
  assert.ok((field('description') ?? '').length > 40);
  const openclaw = JSON.parse(field('metadata') ?? '{}').openclaw;
  assert.ok(openclaw.emoji);
  assert.deepEqual(openclaw.requires.bins, ['codex', 'npx']);
  assert.ok(openclaw.install.some((step: { package: string }) => step.package === '@openai/codex'));
  for (const tool of ['codex_launch', 'codex_status', 'codex_result', 'codex_resume', 'codex_cancel', 'sessionKey', 'notify']) {
    assert.ok(text.includes(tool), `the body explains ${tool}`);
  }
});

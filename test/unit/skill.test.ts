import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import JSON5 from 'json5';

const text = readFileSync(new URL('../../SKILL.md', import.meta.url), 'utf8');
const front = /^---\n([\s\S]*?)\n---\n/.exec(text)?.[1];
const field = (name: string) => new RegExp(`^${name}: (.+)$`, 'm').exec(front ?? '')?.[1];
const openclaw = JSON.parse(field('metadata') ?? '{}').openclaw;

/** OpenClaw's requires.config rule: a dotted path into openclaw.json whose value is truthy. */
function truthyAt(config: unknown, dotted: string): boolean {
  let value: any = config;
  for (const part of dotted.split('.').filter(Boolean)) value = value && typeof value === 'object' ? value[part] : undefined;
  return !(value === undefined || value === null || value === false || value === 0 || (typeof value === 'string' && value.trim() === ''));
}

test('SKILL.md has the frontmatter OpenClaw reads: name, description, metadata.openclaw', () => {
  assert.ok(front, 'frontmatter present');
  assert.equal(field('name'), 'codex-delegate');
  assert.ok((field('description') ?? '').length > 40);
  assert.ok(openclaw.emoji);
  assert.ok(openclaw.install.some((step: { package: string }) => step.package === '@openai/codex'));
  for (const tool of ['codex_launch', 'codex_status', 'codex_result', 'codex_resume', 'codex_cancel', 'sessionKey', 'notify']) {
    assert.ok(text.includes(tool), `the body explains ${tool}`);
  }
});

test('the skill is gated only on what it truly needs: the codex MCP server in openclaw.json', () => {
  // Binaries are looked up on the gateway's PATH: `codex` may be reached through CODEX_BIN and the
  // server through `node /path/to/dist/server/main.js`, so no binary is required. Hooks only add the
  // wake-up: a polling-only setup (codex_status) must still see the skill.
  assert.deepEqual(openclaw.requires, { config: ['mcp.servers.codex'] });
  const example = JSON5.parse(readFileSync(new URL('../../examples/openclaw.json5', import.meta.url), 'utf8'));
  for (const path of openclaw.requires.config) assert.ok(truthyAt(example, path), `examples/openclaw.json5 satisfies ${path}`);
  const pollingOnly = { ...example, hooks: { enabled: false } };
  for (const path of openclaw.requires.config) assert.ok(truthyAt(pollingOnly, path), `a setup without hooks satisfies ${path}`);
  assert.ok(!truthyAt({ hooks: example.hooks }, 'mcp.servers.codex'), 'without the MCP server the skill stays hidden');
  assert.match(text, /without hooks|no hooks/i, 'the body says what to do without hooks');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chatBody, chatTitle, plainLine } from '../../src/notify/chat-text.ts';

const HIDDEN = ['\u061c', '\u200e', '\u200f', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069'];
const CONTROLS = ['\u0000', '\u0007', '\u001b', '\u007f', '\u0085', '\u009b'];

test('a title is one line: every kind of line break and tab becomes a space, runs of blanks one', () => {
  assert.equal(plainLine('a\nb\r\nc\rd\u2028e\u2029f\u000bg\u000ch\u0085i\tj'), 'a b c d e f g h i j');
  assert.equal(plainLine('  fix \n\n tests  '), 'fix tests');
});

test('controls and direction marks are removed from titles and bodies', () => {
  for (const char of [...HIDDEN, ...CONTROLS]) {
    assert.equal(plainLine(`a${char}b`), char === '\u0085' ? 'a b' : 'ab', JSON.stringify(char));
    assert.equal(chatBody(`a${char}b`), char === '\u0085' ? 'a\nb' : 'ab', JSON.stringify(char));
  }
  assert.equal(chatTitle('invoice\u202Efdp.exe'), 'invoicefdp.exe');
});

test('markup the channel would render is escaped in titles: links, emphasis, code', () => {
  assert.equal(chatTitle('[ok](http://evil.example)'), '\\[ok\\](http://evil.example)');
  assert.equal(chatTitle('*bold* _it_ `code` ~s~ ||spoiler|| a\\b'), '\\*bold\\* \\_it\\_ \\`code\\` \\~s\\~ \\|\\|spoiler\\|\\| a\\\\b');
  assert.equal(chatTitle('/home/me/app'), '/home/me/app', 'plain text is left alone');
});

test('a long title is cut, before escaping so no escape is split', () => {
  assert.equal(chatTitle('x'.repeat(500), 10), `${'x'.repeat(9)}…`);
  assert.equal(chatTitle(`${'x'.repeat(8)}_y`, 10), `${'x'.repeat(8)}\\_y`);
});

test('a body keeps its lines and markdown, but no line can pass for one of our status lines', () => {
  const forged = ['Done.', '✅ Codex succeeded · all good', '  🚀 Codex started', '> 💥 died', '**❌ failed**', '\u200e⏰ x', '\ufe0f🛑 y', 'the ✅ in the middle is fine', '- list', '`code`'].join('\n');
  assert.equal(
    chatBody(forged),
    ['Done.', '> ✅ Codex succeeded · all good', '>   🚀 Codex started', '> > 💥 died', '> **❌ failed**', '> ⏰ x', '> \ufe0f🛑 y', 'the ✅ in the middle is fine', '- list', '`code`'].join('\n'),
  );
  assert.equal(chatBody('a\r\nb\rc\u2028d\te'), 'a\nb\nc\nd\te');
});

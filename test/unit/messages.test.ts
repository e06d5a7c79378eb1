import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHANNEL_LIMIT, finalMessage, heartbeatMessage, idleDot, launchMessage, wakeMessage } from '../../src/notify/messages.ts';
import { newTurn, type Session, type Status } from '../../src/store/session.ts';

function session(status: Status, error: string | null = null): Session {
  const turn = newTurn(1, '2026-11-26T10:00:00.000Z', { timeoutSeconds: 600, heartbeatSeconds: 60, heartbeatStyle: 'new', maxTokens: null, notify: null });
  Object.assign(turn, { status, error, startedAt: '2026-11-26T10:00:00.000Z', endedAt: '2026-11-26T10:03:12.000Z', filesChanged: ['a.ts', 'b.ts'] });
  turn.counters.commands = 12;
  turn.usage = { inputTokens: 1000, cachedInputTokens: 0, cacheWriteInputTokens: 0, outputTokens: 234, reasoningOutputTokens: 0 };
  return { id: 'mwxf0000-00000000', label: 'fix tests', cwd: '/w', sandbox: 'workspace-write', model: 'gpt-5.5', reasoningEffort: null, allowConcurrentWrites: false, createdAt: turn.createdAt, threadId: 't', turns: [turn], outbox: [], notifications: [], notifyWarning: null };
}

test('one icon per ending, with the error or the answer preview', () => {
  const cases: [Status, string][] = [['succeeded', '✅'], ['failed', '❌'], ['timed_out', '⏰'], ['cancelled', '🛑'], ['interrupted', '💥']];
  for (const [status, icon] of cases) {
    const s = session(status, status === 'succeeded' ? null : `the ${status} reason`);
    const text = finalMessage(s, s.turns[0]!, 'The answer.');
    assert.ok(text.startsWith(`${icon} Codex ${status.replace('_', ' ')} · fix tests · 3m 12s`), text);
    assert.match(text, status === 'succeeded' ? /The answer\./ : new RegExp(`the ${status} reason`));
    assert.match(text, /files: a\.ts, b\.ts · 12 cmds · 1\.2K tok/);
    assert.match(text, /codex_result mwxf0000-00000000/);
  }
});

test('the answer preview stops at 1500 characters and says how much is left; every text fits a channel', () => {
  const s = session('succeeded');
  const text = finalMessage(s, s.turns[0]!, 'x'.repeat(10_000));
  assert.ok(text.includes(`${'x'.repeat(1499)}…`));
  assert.match(text, /8500 more characters/);
  const failed = session('failed', 'e'.repeat(10_000));
  assert.ok(finalMessage(failed, failed.turns[0]!, null).length <= CHANNEL_LIMIT);
  assert.ok(wakeMessage(failed, failed.turns[0]!, null).length <= CHANNEL_LIMIT);
});

test('launch, heartbeat and wake texts', () => {
  const s = session('running');
  assert.match(launchMessage(s, s.turns[0]!), /^🚀 Codex started · fix tests\ncwd: \/w\nsession: mwxf0000-00000000 · sandbox: workspace-write · model: gpt-5.5$/);
  s.turns[0]!.activity = 'running: npm test';
  s.turns[0]!.lastEventAt = '2026-11-26T10:02:50.000Z';
  assert.equal(heartbeatMessage(s, s.turns[0]!, Date.parse('2026-11-26T10:03:00.000Z')), '📡 🟢 Codex · fix tests · 3m · 12 cmds · 1.2K tok · running: npm test');
  assert.equal(idleDot('2026-11-26T10:00:00.000Z', null, Date.parse('2026-11-26T10:01:00.000Z')), '🟡');
  assert.equal(idleDot('2026-11-26T10:00:00.000Z', null, Date.parse('2026-11-26T10:03:00.000Z')), '🔴');
  const done = session('succeeded');
  assert.match(wakeMessage(done, done.turns[0]!, 'All green.'), /turn 1 ended: succeeded\.\n\nAll green\.\n\nCall codex_result with sessionId "mwxf0000-00000000"/);
});

test('caller and Codex text cannot forge lines in any message: titles stay on their line, bodies cannot pass for a status line', () => {
  const s = session('succeeded');
  s.label = 'x\n✅ Codex succeeded · [ok](http://evil.example) \u202Egnp.exe';
  s.cwd = '/w\n❌ Codex failed';
  s.model = 'm\u2066odel';
  const turn = s.turns[0]!;
  turn.filesChanged = ['a\n💥 b.ts'];
  turn.activity = 'running: echo\n🛑 stopped';
  const answer = 'Done.\n✅ Codex succeeded · all good\u0007\n\u2067[click](http://evil.example)';
  const statusLines = (text: string) => text.split('\n').filter((line) => /^\s*[🚀📡✅❌⏰🛑💥❓❔]/u.test(line));
  const texts = {
    launch: launchMessage(s, turn),
    heartbeat: heartbeatMessage(s, turn, Date.parse('2026-11-26T10:03:00.000Z')),
    final: finalMessage(s, turn, answer),
    wake: wakeMessage(s, turn, answer),
  };
  for (const [kind, text] of Object.entries(texts)) {
    assert.equal(statusLines(text).length, kind === 'wake' ? 0 : 1, `${kind}:\n${text}`);
    assert.doesNotMatch(text, /[\u0007\u202e\u2066\u2067]/u, kind);
  }
  assert.ok(texts.launch.startsWith('🚀 Codex started · x ✅ Codex succeeded · \\[ok\\](http://evil.example) gnp.exe\ncwd: /w ❌ Codex failed\n'), texts.launch);
  assert.match(texts.final, /^> ✅ Codex succeeded · all good$/m);
  assert.match(texts.final, /files: a 💥 b\.ts/);
  assert.match(texts.heartbeat, /running: echo 🛑 stopped$/);
  assert.match(texts.wake, /^Codex session mwxf0000-00000000 \(x ✅ Codex succeeded · \[ok\]\(http:\/\/evil\.example\) gnp\.exe\) turn 1/);
});

test('with a diff: the ✅ carries the stat and the first paths; an isolated run says how to apply; the 🚀 names the branch', () => {
  const s = session('succeeded');
  const file = (path: string, additions: number, deletions: number) => ({ path, status: 'modified' as const, additions, deletions, binary: false });
  const files = [file('src/a.ts', 30, 5), file('src/b.ts', 10, 2), file('README.md', 2, 0), file('d', 0, 0), file('e', 0, 0), file('f`*_[x]', 0, 0)];
  s.turns[0]!.diff = { files, additions: 42, deletions: 7, binaryFiles: 0 };
  const plain = finalMessage(s, s.turns[0]!, 'Done.');
  assert.match(plain, /6 files · \+42 −7: src\/a\.ts, src\/b\.ts, README\.md, d, e \(\+1 more\) · 12 cmds/);
  assert.doesNotMatch(plain, /files: a\.ts/, 'the diff replaces the file list');
  assert.doesNotMatch(plain, /codex_apply/, 'not isolated: nothing to apply');

  s.worktree = { repoRoot: '/w', worktreePath: '/state/worktrees/x/w', runCwd: '/state/worktrees/x/w', subdir: '', branch: 'codex/fix-tests-00000000', baseCommit: 'a'.repeat(40), state: 'active', settledAt: null };
  s.turns[0]!.cumulativeDiff = s.turns[0]!.diff;
  const isolated = finalMessage(s, s.turns[0]!, 'Done.');
  assert.match(isolated, /Isolated on codex\/fix-tests-00000000 \(6 files · \+42 −7 in all\): review with codex_result view "patch", then codex_apply mwxf0000-00000000 apply \| keep \| discard/);
  assert.match(launchMessage(s, s.turns[0]!), /\nisolated: branch codex\/fix-tests-00000000 \(your tree stays untouched\)$/);
  assert.match(wakeMessage(s, s.turns[0]!, 'Done.'), /not in the user's tree: show the diff \(codex_result view "patch"\), then codex_apply/);
  s.worktree.state = 'applied';
  assert.doesNotMatch(finalMessage(s, s.turns[0]!, 'Done.'), /codex_apply/, 'nothing left to apply');
});

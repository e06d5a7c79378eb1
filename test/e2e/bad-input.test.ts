import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createWorld, type World } from '../support/harness.ts';
import { isFinished, startClient, type TestClient } from '../support/mcp-client.ts';
import { readSessionRecord, waitGroupGone } from '../support/processes.ts';

/**
 * Bad input over a real MCP stdio client against the built server: every call
 * answers `isError: true` with a sentence that names the problem and what to do,
 * and leaves the state directory exactly as it was (registry content and the
 * list of files under it).
 */

type ToolName = 'codex_launch' | 'codex_status' | 'codex_result' | 'codex_resume' | 'codex_cancel' | 'codex_forget' | 'codex_apply' | 'codex_steer' | 'codex_approve';

/** Sessions made before the table runs; the cases refer to them by id. */
interface Fixtures {
  /** `@reply hi`, succeeded: text "hi" (2 characters), one turn. */
  finished: string;
  /** `@sleep`, still running while the table runs; cancelled after the suite. */
  running: string;
  /** Cancelled once already. */
  cancelled: string;
  /** Launched on a server whose CODEX_BIN exits 1 at once: failed, no thread id. */
  noThread: string;
}

interface Case {
  tool: ToolName;
  name: string;
  args: (f: Fixtures) => Record<string, unknown>;
  /** The error text must match: it names the argument / problem and what to do. */
  message?: RegExp;
  /** For calls that must succeed without changing anything (cancel twice). */
  ok?: (result: CallToolResult) => void;
  /** Which server answers: the normal one (default), one whose Codex exits 1, one whose CODEX_BIN does not exist. */
  via?: 'main' | 'broken' | 'missing';
  skip?: string | false;
  todo?: string;
}

const WELL_FORMED_UNKNOWN = 'mf3k2x9a-1a2b3c4d';
const isRoot = process.getuid?.() === 0;
const ANY_OF_STATUSES = /status must be one of queued, running, succeeded, failed, timed_out, cancelled, interrupted/;
const NO_SESSION = (id: string) => new RegExp(`No session ${id} is recorded here; list sessions with codex_status`);
const NOT_AN_ID = /sessionId is not a valid session id; use the sessionId returned by codex_launch or listed by codex_status/;

// Paths inside the world, filled in by before().
const where = { file: '', missing: '', unreadable: '', workspace: '' };

const cases: Case[] = [
  // ── codex_launch: cwd ───────────────────────────────────────────────────────
  { tool: 'codex_launch', name: 'cwd relative', args: () => ({ prompt: 'x', cwd: 'some/relative/dir' }), message: /cwd must be an absolute path; "some\/relative\/dir" is relative/ },
  { tool: 'codex_launch', name: 'cwd missing', args: () => ({ prompt: 'x', cwd: where.missing }), message: /cwd \S+ does not exist; create it or pass an existing directory/ },
  { tool: 'codex_launch', name: 'cwd is a file, not a directory', args: () => ({ prompt: 'x', cwd: where.file }), message: /cwd \S+ is a file, not a directory/ },
  {
    tool: 'codex_launch',
    name: 'cwd unreadable',
    args: () => ({ prompt: 'x', cwd: where.unreadable }),
    message: /cwd \S+ is not readable by this user; fix its permissions or pick another directory/,
    skip: isRoot ? 'running as root: a mode-000 directory is still readable for root (access() passes), so no unreadable cwd can be made' : false,
  },
  { tool: 'codex_launch', name: 'cwd not a string', args: () => ({ prompt: 'x', cwd: 42 }), message: /cwd must be a string: an absolute directory path/ },
  // ── codex_launch: prompt ────────────────────────────────────────────────────
  { tool: 'codex_launch', name: 'prompt empty', args: () => ({ prompt: '' }), message: /prompt is empty; describe the task for Codex/ },
  { tool: 'codex_launch', name: 'prompt whitespace only', args: () => ({ prompt: ' \n\t  \n' }), message: /prompt is empty; describe the task for Codex/ },
  { tool: 'codex_launch', name: 'prompt over 100000 characters', args: () => ({ prompt: 'a'.repeat(100_001) }), message: /prompt is longer than 100000 characters; put the details in a file/ },
  { tool: 'codex_launch', name: 'prompt not a string', args: () => ({ prompt: 42 }), message: /prompt must be a string: the task for Codex/ },
  { tool: 'codex_launch', name: 'prompt missing', args: () => ({ label: 'no prompt' }), message: /prompt must be a string: the task for Codex/ },
  // ── codex_launch: options ───────────────────────────────────────────────────
  { tool: 'codex_launch', name: 'label over 80 characters', args: () => ({ prompt: 'x', label: 'L'.repeat(81) }), message: /label must be at most 80 characters/ },
  { tool: 'codex_launch', name: 'sandbox invalid', args: () => ({ prompt: 'x', sandbox: 'yolo' }), message: /sandbox must be one of read-only, workspace-write, danger-full-access/ },
  {
    tool: 'codex_launch',
    name: 'danger-full-access without opt-in',
    args: () => ({ prompt: 'x', sandbox: 'danger-full-access' }),
    message: /danger-full-access.*disabled.*CODEX_DELEGATE_ALLOW_DANGER=1/,
  },
  { tool: 'codex_launch', name: 'timeoutSeconds 5 (too short)', args: () => ({ prompt: 'x', timeoutSeconds: 5 }), message: /timeoutSeconds must be at least 10/ },
  { tool: 'codex_launch', name: 'timeoutSeconds 100000 (too long)', args: () => ({ prompt: 'x', timeoutSeconds: 100_000 }), message: /timeoutSeconds must be at most 86400 \(24 hours\)/ },
  { tool: 'codex_launch', name: 'timeoutSeconds 12.5 (not whole)', args: () => ({ prompt: 'x', timeoutSeconds: 12.5 }), message: /timeoutSeconds must be a whole number of seconds/ },
  { tool: 'codex_launch', name: 'timeoutSeconds as a string', args: () => ({ prompt: 'x', timeoutSeconds: '600' }), message: /timeoutSeconds must be a number of seconds/ },
  { tool: 'codex_launch', name: 'reasoningEffort invalid', args: () => ({ prompt: 'x', reasoningEffort: 'extreme' }), message: /reasoningEffort must be one of minimal, low, medium, high, xhigh/ },
  { tool: 'codex_launch', name: 'notify as a string', args: () => ({ prompt: 'x', notify: 'telegram:1' }), message: /notify must be false or an object \{ channel, target/ },
  { tool: 'codex_launch', name: 'heartbeatSeconds 5', args: () => ({ prompt: 'x', heartbeatSeconds: 5 }), message: /heartbeatSeconds must be 0 \(off\) or between 15 and 3600/ },
  { tool: 'codex_launch', name: 'maxTokens 0', args: () => ({ prompt: 'x', maxTokens: 0 }), message: /maxTokens must be positive/ },
  {
    tool: 'codex_launch',
    name: 'maxTokens 1.5 (not whole)',
    args: () => ({ prompt: 'x', maxTokens: 1.5 }),
    message: /maxTokens must be a whole number/,
  },
  { tool: 'codex_launch', name: 'isolation outside a git repository', args: () => ({ prompt: 'x', cwd: where.workspace, isolation: 'worktree' }), message: /is not inside a git work tree \(or git ignores it there\), so it cannot get an isolated worktree/ },
  { tool: 'codex_launch', name: 'isolation unknown', args: () => ({ prompt: 'x', isolation: 'container' }), message: /isolation must be "none" or "worktree"/ },
  { tool: 'codex_launch', name: 'base without isolation', args: () => ({ prompt: 'x', base: 'main' }), message: /base only applies with isolation: "worktree"/ },
  { tool: 'codex_launch', name: 'unknown extra argument', args: () => ({ prompt: 'x', sandBox: 'read-only' }), message: /Unknown argument "sandBox"; allowed: .*\bsandbox\b/ },
  {
    tool: 'codex_launch',
    name: 'CODEX_BIN points to a file that does not exist',
    via: 'missing',
    args: () => ({ prompt: 'hello' }),
    message: /CODEX_BIN points to \S+, which is not an executable file\. Install it with `npm i -g @openai\/codex`/,
  },
  // ── codex_status ────────────────────────────────────────────────────────────
  { tool: 'codex_status', name: 'sessionId unknown (well-formed)', args: () => ({ sessionId: WELL_FORMED_UNKNOWN }), message: NO_SESSION(WELL_FORMED_UNKNOWN) },
  { tool: 'codex_status', name: 'sessionId malformed', args: () => ({ sessionId: 'hello' }), message: NOT_AN_ID },
  { tool: 'codex_status', name: 'sessionId path traversal ../../etc/passwd', args: () => ({ sessionId: '../../etc/passwd' }), message: NOT_AN_ID },
  { tool: 'codex_status', name: 'sessionId wrong type', args: () => ({ sessionId: 12345 }), message: /sessionId must be a string such as "[0-9a-z]+-[0-9a-f]+" \(from codex_launch or codex_status\)/ },
  { tool: 'codex_status', name: 'limit 0', args: () => ({ limit: 0 }), message: /limit must be at least 1/ },
  { tool: 'codex_status', name: 'limit 500', args: () => ({ limit: 500 }), message: /limit must be at most 200/ },
  {
    tool: 'codex_status',
    name: 'limit 2.5 (not whole)',
    args: () => ({ limit: 2.5 }),
    message: /limit must be a whole number/,
  },
  { tool: 'codex_status', name: 'status filter invalid', args: () => ({ status: 'done' }), message: ANY_OF_STATUSES },
  { tool: 'codex_status', name: 'unknown extra argument', args: () => ({ sessionID: WELL_FORMED_UNKNOWN }), message: /Unknown argument "sessionID"; allowed: .*\bsessionId\b/ },
  // ── codex_result ────────────────────────────────────────────────────────────
  { tool: 'codex_result', name: 'sessionId unknown (well-formed)', args: () => ({ sessionId: WELL_FORMED_UNKNOWN }), message: NO_SESSION(WELL_FORMED_UNKNOWN) },
  { tool: 'codex_result', name: 'sessionId path traversal a/b', args: () => ({ sessionId: 'a/b' }), message: NOT_AN_ID },
  { tool: 'codex_result', name: 'offset past the end', args: (f) => ({ sessionId: f.finished, offset: 1000 }), message: /offset 1000 is past the end of the text \(2 characters\); start again at 0/ },
  { tool: 'codex_result', name: 'offset negative', args: (f) => ({ sessionId: f.finished, offset: -1 }), message: /offset must be 0 or more/ },
  { tool: 'codex_result', name: 'maxChars negative', args: (f) => ({ sessionId: f.finished, maxChars: -5 }), message: /maxChars must be at least 1/ },
  { tool: 'codex_result', name: 'maxChars huge (1e9)', args: (f) => ({ sessionId: f.finished, maxChars: 1e9 }), message: /maxChars must be at most 100000; page with offset\/nextOffset instead/ },
  { tool: 'codex_result', name: 'turn 0', args: (f) => ({ sessionId: f.finished, turn: 0 }), message: /turn must be 1 or more/ },
  { tool: 'codex_result', name: 'turn that does not exist', args: (f) => ({ sessionId: f.finished, turn: 7 }), message: /has 1 turn\(s\); turn 7 does not exist/ },
  { tool: 'codex_result', name: 'unknown extra argument', args: (f) => ({ sessionId: f.finished, page: 2 }), message: /Unknown argument "page"; allowed: .*\boffset\b.*\bmaxChars\b/ },
  // ── codex_resume ────────────────────────────────────────────────────────────
  { tool: 'codex_resume', name: 'sessionId unknown (well-formed)', args: () => ({ sessionId: WELL_FORMED_UNKNOWN, prompt: 'go on' }), message: NO_SESSION(WELL_FORMED_UNKNOWN) },
  { tool: 'codex_resume', name: 'sessionId path traversal a/b', args: () => ({ sessionId: 'a/b', prompt: 'go on' }), message: NOT_AN_ID },
  {
    tool: 'codex_resume',
    name: 'while a turn is running',
    args: (f) => ({ sessionId: f.running, prompt: 'go on' }),
    message: /still has a turn running; wait for it \(codex_status\) or stop it \(codex_cancel\) first/,
  },
  {
    tool: 'codex_resume',
    name: 'session without a Codex thread',
    via: 'broken',
    args: (f) => ({ sessionId: f.noThread, prompt: 'go on' }),
    message: /has no Codex thread to continue .*; launch a new task instead/,
  },
  { tool: 'codex_resume', name: 'prompt empty', args: (f) => ({ sessionId: f.finished, prompt: '' }), message: /prompt is empty; describe the task for Codex/ },
  { tool: 'codex_resume', name: 'timeoutSeconds 5', args: (f) => ({ sessionId: f.finished, prompt: 'go on', timeoutSeconds: 5 }), message: /timeoutSeconds must be at least 10/ },
  { tool: 'codex_resume', name: 'notify as a string', args: (f) => ({ sessionId: f.finished, prompt: 'go on', notify: 'yes' }), message: /notify must be false or an object \{ channel, target/ },
  { tool: 'codex_resume', name: 'unknown extra argument', args: (f) => ({ sessionId: f.finished, prompt: 'go on', cwd: '/tmp' }), message: /Unknown argument "cwd"; allowed: sessionId, prompt\b/ },
  // ── codex_cancel ────────────────────────────────────────────────────────────
  { tool: 'codex_cancel', name: 'sessionId unknown (well-formed)', args: () => ({ sessionId: WELL_FORMED_UNKNOWN }), message: NO_SESSION(WELL_FORMED_UNKNOWN) },
  { tool: 'codex_cancel', name: 'sessionId path traversal ../../etc/passwd', args: () => ({ sessionId: '../../etc/passwd' }), message: NOT_AN_ID },
  { tool: 'codex_cancel', name: 'sessionId wrong type', args: () => ({ sessionId: ['a'] }), message: /sessionId must be a string such as/ },
  { tool: 'codex_cancel', name: 'reason not a string', args: (f) => ({ sessionId: f.cancelled, reason: 5 }), message: /reason must be a string/ },
  { tool: 'codex_cancel', name: 'unknown extra argument', args: (f) => ({ sessionId: f.running, force: true }), message: /Unknown argument "force"; allowed: sessionId, reason\b/ },
  {
    tool: 'codex_cancel',
    name: 'cancel twice: the second is not an error and changes nothing',
    args: (f) => ({ sessionId: f.cancelled, reason: 'again' }),
    ok: (result) => {
      const out = result.structuredContent as Record<string, unknown>;
      assert.equal(out.alreadyFinished, true);
      assert.equal(out.status, 'cancelled');
      assert.match(textOf(result), /had already finished \(cancelled\); nothing was changed/);
    },
  },
  // ── codex_apply ─────────────────────────────────────────────────────────────
  { tool: 'codex_apply', name: 'sessionId unknown (well-formed)', args: () => ({ sessionId: WELL_FORMED_UNKNOWN, action: 'apply' }), message: NO_SESSION(WELL_FORMED_UNKNOWN) },
  { tool: 'codex_apply', name: 'sessionId path traversal ../../etc/passwd', args: () => ({ sessionId: '../../etc/passwd', action: 'apply' }), message: NOT_AN_ID },
  { tool: 'codex_apply', name: 'action missing', args: (f) => ({ sessionId: f.finished }), message: /action must be "apply", "keep" or "discard"/ },
  { tool: 'codex_apply', name: 'action unknown', args: (f) => ({ sessionId: f.finished, action: 'merge' }), message: /action must be "apply", "keep" or "discard"/ },
  { tool: 'codex_apply', name: 'a session that is not isolated', args: (f) => ({ sessionId: f.finished, action: 'apply' }), message: /was not launched with isolation: "worktree"; its changes are already in your working tree/ },
  { tool: 'codex_apply', name: 'unknown extra argument', args: (f) => ({ sessionId: f.finished, action: 'apply', force: true }), message: /Unknown argument "force"; allowed: sessionId, action\b/ },
  // ── codex_forget ────────────────────────────────────────────────────────────
  { tool: 'codex_forget', name: 'sessionId unknown (well-formed)', args: () => ({ sessionId: WELL_FORMED_UNKNOWN }), message: NO_SESSION(WELL_FORMED_UNKNOWN) },
  { tool: 'codex_forget', name: 'sessionId path traversal ../../etc/passwd', args: () => ({ sessionId: '../../etc/passwd' }), message: NOT_AN_ID },
  { tool: 'codex_forget', name: 'a running session', args: (f) => ({ sessionId: f.running }), message: /still has a turn queued or running; stop it with codex_cancel first/ },
  { tool: 'codex_forget', name: 'unknown extra argument', args: (f) => ({ sessionId: f.finished, force: true }), message: /Unknown argument "force"; allowed: sessionId\b/ },
  // ── codex_steer ─────────────────────────────────────────────────────────────
  { tool: 'codex_steer', name: 'sessionId unknown (well-formed)', args: () => ({ sessionId: WELL_FORMED_UNKNOWN, prompt: 'also this' }), message: NO_SESSION(WELL_FORMED_UNKNOWN) },
  { tool: 'codex_steer', name: 'sessionId path traversal ../../etc/passwd', args: () => ({ sessionId: '../../etc/passwd', prompt: 'also this' }), message: NOT_AN_ID },
  { tool: 'codex_steer', name: 'prompt empty', args: (f) => ({ sessionId: f.finished, prompt: ' ' }), message: /prompt is empty; say what Codex should do differently/ },
  { tool: 'codex_steer', name: 'a finished session', args: (f) => ({ sessionId: f.finished, prompt: 'also this' }), message: /is not running .*continue it with codex_resume/ },
  // ── codex_approve ───────────────────────────────────────────────────────────
  { tool: 'codex_approve', name: 'sessionId unknown (well-formed)', args: () => ({ sessionId: WELL_FORMED_UNKNOWN, requestId: '0badc0de', decision: 'approve' }), message: NO_SESSION(WELL_FORMED_UNKNOWN) },
  { tool: 'codex_approve', name: 'decision not one of the three', args: (f) => ({ sessionId: f.finished, requestId: '0badc0de', decision: 'yes' }), message: /decision must be "approve", "approve_for_session" or "deny"/ },
  { tool: 'codex_approve', name: 'requestId not an id', args: (f) => ({ sessionId: f.finished, requestId: '../x', decision: 'approve' }), message: /requestId is not a request id/ },
  { tool: 'codex_approve', name: 'an unknown request', args: (f) => ({ sessionId: f.finished, requestId: '0badc0de', decision: 'deny' }), message: /has no approval request 0badc0de; see pendingApprovals in codex_status/ },
  { tool: 'codex_approve', name: 'unknown extra argument', args: (f) => ({ sessionId: f.finished, requestId: '0badc0de', decision: 'deny', force: true }), message: /Unknown argument "force"; allowed: sessionId, requestId, decision, reason\b/ },
  { tool: 'codex_steer', name: 'unknown extra argument', args: (f) => ({ sessionId: f.finished, prompt: 'also this', turn: 1 }), message: /Unknown argument "turn"; allowed: sessionId, prompt\b/ },
];

function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : `[${c.type}]`)).join('\n');
}

/** A message a person can act on: plain text, a sentence, no JSON dump, no stack trace, no leaked placeholders. */
function assertActionable(text: string): void {
  assert.ok(text.trim().length > 0, 'the error text is not empty');
  assert.ok(text.length < 1000, `the error text is short (${text.length} chars)`);
  assert.doesNotMatch(text, /^\s*[[{]/, 'not a raw JSON dump');
  assert.doesNotMatch(text, /"(code|path|expected)"\s*:/, 'no zod issue objects');
  assert.doesNotMatch(text, /\n\s+at \S+ \(|\bat async\b/, 'no stack trace');
  assert.doesNotMatch(text, /\bundefined\b|\[object Object\]|\bNaN\b/, 'no leaked placeholders');
  assert.match(text, /\S[.;!?](\s|$)/, 'reads as a sentence');
}

/** What "state" means here: the registry text and every path under the state directory. */
async function snapshot(stateDir: string): Promise<{ files: string[] | null; registry: string | null }> {
  const files = existsSync(stateDir) ? (await readdir(stateDir, { recursive: true })).map(String).sort() : null;
  const registry = await readFile(path.join(stateDir, 'sessions.json'), 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  return { files, registry };
}

/** Waits until nothing has changed in the state directory for `quietMs` (runners write progress in the background). */
async function settle(stateDir: string, quietMs = 1500, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = JSON.stringify(await snapshot(stateDir));
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    if (Date.now() > deadline) throw new Error(`the state directory ${stateDir} kept changing for ${timeoutMs} ms`);
    await sleep(100);
    const now = JSON.stringify(await snapshot(stateDir));
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
}

/** Cancels every queued or running session and waits for their processes to be gone. */
async function stopEverything(client: TestClient, stateDir: string): Promise<void> {
  const listed = await client.ok('codex_status', { limit: 200 }).catch(() => ({ sessions: [] }));
  for (const s of listed.sessions ?? []) {
    if (isFinished(s.status)) continue;
    const record = await readSessionRecord(stateDir, s.sessionId).catch(() => undefined);
    await client.call('codex_cancel', { sessionId: s.sessionId, reason: 'test clean-up' }).catch(() => {});
    const pid = record?.turns.at(-1)?.runner?.pid;
    if (pid) await waitGroupGone(pid, 15_000).catch(() => {});
  }
}

describe('bad input: isError with an actionable sentence, and no state change', { concurrency: 1 }, () => {
  let world: World;
  let main: TestClient;
  let broken: TestClient;
  let missing: TestClient;
  const fixtures: Fixtures = { finished: '', running: '', cancelled: '', noThread: '' };

  before(async () => {
    world = await createWorld();
    where.workspace = world.workspace;
    where.file = path.join(world.root, 'a-file.txt');
    where.missing = path.join(world.root, 'does-not-exist');
    where.unreadable = path.join(world.root, 'unreadable');
    await writeFile(where.file, 'not a directory\n');
    await mkdir(where.unreadable);
    await chmod(where.unreadable, 0o000);

    // A Codex that fails at once without printing a single event: no thread is ever started.
    const failingCodex = path.join(world.root, 'failing-codex.sh');
    await writeFile(failingCodex, "#!/bin/sh\necho 'boom' >&2\nexit 1\n", { mode: 0o755 });

    // All three servers share one state directory, so one snapshot covers every case.
    main = await startClient(world.env);
    broken = await startClient({ ...world.env, CODEX_BIN: failingCodex });
    missing = await startClient({ ...world.env, CODEX_BIN: path.join(world.root, 'no-such-dir', 'codex') });

    // Each fixture in its own directory: writers in one directory wait for each other.
    const own = async (name: string) => {
      const dir = path.join(world.root, `ws-${name}`);
      await mkdir(dir);
      return dir;
    };
    const finished = await main.ok('codex_launch', { prompt: '@reply hi', label: 'finished', cwd: await own('finished') });
    const cancelled = await main.ok('codex_launch', { prompt: 'to be cancelled\n@sleep 60000', label: 'cancelled', cwd: await own('cancelled') });
    const noThread = await broken.ok('codex_launch', { prompt: 'never gets a thread', label: 'no thread', cwd: await own('no-thread') });
    // Long enough to outlast the table whatever the machine's speed; cancelled in after().
    const running = await main.ok('codex_launch', { prompt: 'keeps running\n@sleep 120000', label: 'running', cwd: await own('running') });
    Object.assign(fixtures, { finished: finished.sessionId, cancelled: cancelled.sessionId, noThread: noThread.sessionId, running: running.sessionId });

    assert.equal((await main.waitFor(fixtures.finished, isFinished)).status, 'succeeded');
    assert.equal((await main.ok('codex_result', { sessionId: fixtures.finished })).text, 'hi');
    const failed = await broken.waitFor(fixtures.noThread, isFinished);
    assert.equal(failed.status, 'failed', JSON.stringify(failed));
    assert.equal(failed.threadId ?? null, null);

    await main.waitFor(fixtures.cancelled, (s) => s === 'running');
    const cancelledRecord = await readSessionRecord(world.stateDir, fixtures.cancelled);
    const first = await main.ok('codex_cancel', { sessionId: fixtures.cancelled, reason: 'fixture' });
    assert.equal(first.alreadyFinished, false);
    assert.equal((await main.waitFor(fixtures.cancelled, isFinished)).status, 'cancelled');
    if (cancelledRecord.turns[0].runner) await waitGroupGone(cancelledRecord.turns[0].runner.pid);

    // The running session is quiet once Codex has started its thread and waits for the model.
    const deadline = Date.now() + 30_000;
    while (!(await main.ok('codex_status', { sessionId: fixtures.running })).threadId) {
      if (Date.now() > deadline) throw new Error('the running fixture never got a thread');
      await sleep(100);
    }
    await settle(world.stateDir);
    assert.equal((await readSessionRecord(world.stateDir, fixtures.running)).turns[0].status, 'running');
  });

  after(async () => {
    try {
      if (fixtures.running && main) {
        const record = await readSessionRecord(world.stateDir, fixtures.running);
        const stopped = await main.ok('codex_cancel', { sessionId: fixtures.running, reason: 'end of the bad-input suite' });
        assert.equal(stopped.status, 'cancelled');
        if (record.turns[0].runner) await waitGroupGone(record.turns[0].runner.pid);
      }
    } finally {
      // Whatever a failed before() left running must not outlive the world (a runner would write into a removed directory).
      if (main) await stopEverything(main, world.stateDir);
      await main?.close();
      await broken?.close();
      await missing?.close();
      if (where.unreadable) await chmod(where.unreadable, 0o700).catch(() => {});
      await world?.close();
    }
  });

  test(`the table has at least 34 cases over all nine tools (${cases.length})`, () => {
    assert.ok(cases.length >= 34);
    assert.deepEqual(
      [...new Set(cases.map((c) => c.tool))].sort(),
      ['codex_apply', 'codex_approve', 'codex_cancel', 'codex_forget', 'codex_launch', 'codex_result', 'codex_resume', 'codex_status', 'codex_steer'],
    );
    for (const tool of new Set(cases.map((c) => c.tool))) {
      assert.ok(cases.some((c) => c.tool === tool && /unknown extra argument/.test(c.name)), `${tool} has an unknown-argument case`);
    }
  });

  for (const c of cases) {
    const options = { ...(c.skip ? { skip: c.skip } : {}), ...(c.todo ? { todo: c.todo } : {}) };
    test(`${c.tool}: ${c.name}`, options, async () => {
      const client = c.via === 'broken' ? broken : c.via === 'missing' ? missing : main;
      const args = c.args(fixtures);
      const before = await snapshot(world.stateDir);
      const result = (await client.call(c.tool, args)) as CallToolResult;
      const text = textOf(result);
      if (c.ok) {
        assert.notEqual(result.isError, true, `expected success, got: ${text}`);
        c.ok(result);
      } else {
        assert.equal(result.isError, true, `expected isError, got: ${text}`);
        assertActionable(text);
        assert.match(text, c.message!);
      }
      assert.deepEqual(await snapshot(world.stateDir), before, 'the state directory did not change');
    });
  }
});

// Measure 6 — status at scale: a registry of 10,000 finished sessions written
// directly, then codex_status for one id and for the default list of 20, over
// stdio. Baselines in the same run: the same calls on a 10-session registry,
// and a trivial tool call on the bare SDK server (the MCP round-trip floor).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { newSessionId, newTurn, sessionSchema, type Session } from '../src/store/session.ts';
import { prepareBaseline } from './baseline.ts';
import { fmt, log, mmm, round, runnersOf, sleep, summarize, waitGroupGone, withWorld, type MeasureResult } from './lib.ts';
import { startProduct } from './product.ts';
import { callTool, initialize, startRaw } from './stdio-rpc.ts';

const SESSIONS = 10_000;
const SMALL = 10;
const CALLS = 60;
const TARGET_P50 = 20;
const DAY = 86_400_000;

/** A realistic finished session: succeeded (mostly), a few commands and files, notifications sent. */
export function finishedSession(createdMs: number, workspace: string, n: number): Session {
  const created = new Date(createdMs).toISOString();
  const startedAt = new Date(createdMs + 150).toISOString();
  const endedAt = new Date(createdMs + 60_000 + (n % 600) * 1000).toISOString();
  const notify = n % 3 === 0 ? { channel: 'telegram', target: '-100123', threadId: '7' } : null;
  const turn = newTurn(1, created, { timeoutSeconds: 7200, heartbeatSeconds: 60, heartbeatStyle: 'new', maxTokens: null, notify });
  const status = n % 20 === 0 ? 'failed' : n % 50 === 1 ? 'cancelled' : 'succeeded';
  Object.assign(turn, {
    status,
    startedAt,
    endedAt,
    runner: { pid: 100_000 + (n % 50_000), startTime: String(1_000_000 + n) },
    lastEventAt: endedAt,
    activity: status === 'succeeded' ? 'done' : status,
    counters: { commands: n % 9, fileChanges: n % 4, messages: 1 + (n % 3), errors: n % 20 === 0 ? 1 : 0 },
    usage: { inputTokens: 20_000 + n, cachedInputTokens: 12_000, outputTokens: 1500 + (n % 700) },
    filesChanged: Array.from({ length: n % 4 }, (_, k) => `${workspace}/src/module-${k}.ts`),
    commands: Array.from({ length: n % 9 }, (_, k) => ({ command: `/bin/bash -c 'npm test -- --grep case-${k}'`, exitCode: k === 0 ? 1 : 0 })),
    exitCode: status === 'succeeded' ? 0 : status === 'failed' ? 1 : null,
    error: status === 'failed' ? 'Codex failed: the mock refused this' : status === 'cancelled' ? 'Cancelled: wrong branch' : null,
    errorKind: status === 'failed' ? 'codex' : status === 'cancelled' ? 'cancelled' : null,
    cancel: status === 'cancelled' ? { at: endedAt, reason: 'wrong branch' } : null,
    resultChars: status === 'succeeded' ? 400 + (n % 3000) : null,
  });
  const session: Session = {
    id: newSessionId(createdMs),
    label: `task ${n}: fix the flaky test in module ${n % 97}`,
    cwd: workspace,
    sandbox: 'workspace-write',
    model: n % 2 ? 'gpt-5.5' : null,
    reasoningEffort: n % 2 ? 'medium' : null,
    allowConcurrentWrites: false,
    createdAt: created,
    threadId: `01a2${n.toString(16).padStart(4, '0')}-256b-7751-a373-3efc31966569`,
    turns: [turn],
    outbox: [],
    notifications: [],
    notifyWarning: null,
  };
  if (notify) {
    for (const kind of ['launch', 'final', 'wake'] as const) {
      session.outbox.push({ id: `1:${kind}`, kind, turn: 1, text: `${kind} message for ${session.id}`, state: 'sent', attempts: 1, maxAttempts: 12, nextAttemptAt: endedAt, claim: null });
      session.notifications.push({ kind, turn: 1, at: endedAt, ok: true, httpStatus: 200, error: null });
    }
  }
  return session;
}

/** Writes a registry of `count` finished sessions spread over the last 20 days (inside the 30-day retention). */
export async function writeRegistry(stateDir: string, workspace: string, count: number): Promise<{ ids: string[]; bytes: number }> {
  await mkdir(path.join(stateDir, 'sessions'), { recursive: true, mode: 0o700 });
  const now = Date.now();
  const sessions: Record<string, Session> = {};
  for (let n = 0; n < count; n++) {
    const session = finishedSession(now - 20 * DAY + Math.floor((n * 20 * DAY) / count), workspace, n);
    sessions[session.id] = session;
  }
  const ids = Object.keys(sessions);
  sessionSchema.parse(sessions[ids[0]!]); // shaped like the real thing
  sessionSchema.parse(sessions[ids.at(-1)!]);
  const text = JSON.stringify({ version: 1, sessions });
  await writeFile(path.join(stateDir, 'sessions.json'), text, { mode: 0o600 });
  return { ids, bytes: Buffer.byteLength(text) };
}

interface Timings {
  one: number[];
  list: number[];
  firstCall: number;
  /** Diagnostic: launches into this registry, and the status call right after each write. */
  launch: number[];
  statusAfterWrite: number[];
  turnWall: number[];
}

const LAUNCHES = 3;

async function timeStatus(env: Record<string, string>, cwd: string, ids: string[], stateDir: string): Promise<Timings> {
  const server = await startProduct(env, cwd);
  try {
    const first = await server.tool('codex_status', { sessionId: ids[0] });
    const one: number[] = [];
    const list: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      const id = ids[(i * 7919) % ids.length]!;
      const a = await server.tool('codex_status', { sessionId: id });
      if (a.out.sessionId !== id) throw new Error('codex_status answered another session');
      one.push(a.ms);
      const b = await server.tool('codex_status', {});
      if (b.out.sessions?.length !== Math.min(20, ids.length)) throw new Error(`list of ${b.out.sessions?.length}`);
      list.push(b.ms);
    }
    // Every registry write invalidates the parsed copy: what a launch, and the next status, cost at this size.
    const launch: number[] = [];
    const statusAfterWrite: number[] = [];
    const turnWall: number[] = [];
    for (let i = 0; i < LAUNCHES; i++) {
      const l = await server.tool('codex_launch', { prompt: '@reply ok', label: 'bench scale launch' });
      launch.push(l.ms);
      const s = await server.tool('codex_status', { sessionId: l.out.sessionId });
      statusAfterWrite.push(s.ms);
      let status = s.out.status as string;
      while (status === 'running' || status === 'queued') {
        await sleep(50);
        status = (await server.tool('codex_status', { sessionId: l.out.sessionId })).out.status;
      }
      turnWall.push(performance.now() - l.sentAt);
      const pids = runnersOf(stateDir);
      for (const pid of pids) await waitGroupGone(pid);
    }
    return { one, list, firstCall: first.ms, launch, statusAfterWrite, turnWall };
  } finally {
    await server.close();
  }
}

export async function measureStatusScale(): Promise<MeasureResult> {
  const started = performance.now();
  const baseline = await prepareBaseline();
  try {
    return await withWorld({}, async (world) => {
      const bigDir = world.stateDir;
      const smallDir = path.join(world.root, 'state-small');
      const t0 = performance.now();
      const big = await writeRegistry(bigDir, world.workspace, SESSIONS);
      const generateMs = performance.now() - t0;
      const small = await writeRegistry(smallDir, world.workspace, SMALL);

      const large = await timeStatus(world.env, world.workspace, big.ids, bigDir);
      const tiny = await timeStatus({ ...world.env, CODEX_DELEGATE_HOME: smallDir }, world.workspace, small.ids, smallDir);

      const bare = startRaw(baseline.args, world.env, world.workspace);
      const floor: number[] = [];
      try {
        await initialize(bare);
        await callTool(bare, 'status', { id: 'x' });
        for (let i = 0; i < CALLS; i++) floor.push((await callTool(bare, 'status', { id: big.ids[i]! })).ms);
      } finally {
        await bare.close();
      }

      const one = summarize(large.one);
      const list = summarize(large.list);
      const oneSmall = summarize(tiny.one);
      const listSmall = summarize(tiny.list);
      const mcp = summarize(floor);
      const worst = Math.max(one.p50, list.p50);
      log(`status@10k: one ${mmm(one)}, list ${mmm(list)}; @10: one ${mmm(oneSmall)}, list ${mmm(listSmall)}; floor ${mmm(mcp)}`);
      return {
        id: 'status-scale',
        name: '6. Status at scale',
        how: `${SESSIONS.toLocaleString('en')} finished sessions written straight into sessions.json (${(big.bytes / 1e6).toFixed(1)} MB), then \`codex_status {sessionId}\` and \`codex_status {}\` (list of 20) alternating, ${CALLS} each, over stdio after 1 unmeasured call; baselines: same calls on a ${SMALL}-session registry, and a trivial tool on the bare SDK server`,
        result: `one id p50 **${one.p50.toFixed(1)} ms** (${mmm(one)}); list of 20 p50 **${list.p50.toFixed(1)} ms** (${mmm(list)}); vs ${SMALL} sessions: ×${fmt(one.p50 / oneSmall.p50, 2)} / ×${fmt(list.p50 / listSmall.p50, 2)}; MCP floor ${mcp.p50.toFixed(1)} ms`,
        target: `p50 ≤ ${TARGET_P50} ms`,
        met: worst <= TARGET_P50,
        figures: {
          oneMs: one,
          listMs: list,
          oneSmallMs: oneSmall,
          listSmallMs: listSmall,
          bareSdkToolMs: mcp,
          oneRatioToSmall: round(one.p50 / oneSmall.p50, 3),
          listRatioToSmall: round(list.p50 / listSmall.p50, 3),
          firstCallMs: round(large.firstCall),
          registryBytes: big.bytes,
          generateMs: round(generateMs),
          launchAt10kMs: summarize(large.launch),
          launchAtSmallMs: summarize(tiny.launch),
          statusAfterWriteAt10kMs: summarize(large.statusAfterWrite),
          statusAfterWriteAtSmallMs: summarize(tiny.statusAfterWrite),
          turnWallAt10kMs: summarize(large.turnWall),
          turnWallAtSmallMs: summarize(tiny.turnWall),
        },
        notes: [
          `diagnostic, ${LAUNCHES} \`@reply ok\` launches into each registry: codex_launch ${mmm(summarize(large.launch))} at 10k vs ${mmm(summarize(tiny.launch))} at ${SMALL}; the codex_status right after (registry re-parsed) ${mmm(summarize(large.statusAfterWrite))} vs ${mmm(summarize(tiny.statusAfterWrite))}; launch → succeeded seen ${mmm(summarize(large.turnWall), 'ms', 0)} vs ${mmm(summarize(tiny.turnWall), 'ms', 0)}`,
          `first codex_status of a fresh server on the 10k registry (parses ${(big.bytes / 1e6).toFixed(1)} MB): ${large.firstCall.toFixed(0)} ms; on ${SMALL} sessions ${tiny.firstCall.toFixed(0)} ms`,
        ],
        durationMs: performance.now() - started,
      };
    });
  } finally {
    await baseline.cleanup();
  }
}

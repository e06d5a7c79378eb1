// Measure 9 — history at scale (issue 14): 100,000 finished sessions of history
// vs an empty state directory, side by side in one run. The history is made the
// way a real user gets it: a registry of the previous format (every session in
// sessions.json) is written, and the real archiveSettled migrates it once in a
// child process (that is the migration measurement: time and peak memory). The
// migrated directory then is the history world; the empty world is a fresh state
// directory beside it. Both share the mock model, CODEX_HOME and workspace.
import { spawn } from 'node:child_process';
import { copyFile, mkdir, open, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makePaths } from '../src/store/paths.ts';
import { Registry } from '../src/store/registry.ts';
import { sessionSchema } from '../src/store/session.ts';
import { SERVER_MAIN } from '../test/support/mcp-client.ts';
import { fmt, log, mmm, round, runnersOf, sleep, summarize, TERMINAL, waitGroupGone, withWorld, type MeasureResult, type Summary } from './lib.ts';
import { startProduct, type Product } from './product.ts';
import type { Machine } from './machine.ts';
import { finishedSession } from './status-scale.ts';
import { initialize, startRaw } from './stdio-rpc.ts';

/** BENCH_HISTORY_SESSIONS overrides it for a quick try of the measure itself. */
const HISTORY = Number(process.env.BENCH_HISTORY_SESSIONS ?? 100_000);
const DAY = 86_400_000;
/** createdAt spread: inside the default 30-day retention, so start-up pruning leaves the history alone. */
const SPAN_MS = 29.5 * DAY;
/** The newest session was created this long ago (sessions end ≤ 11 min after creation: all ended before now). */
const END_GAP_MS = 15 * 60_000;
/** Sessions run in `<workspace>/repo-<n % REPOS>`: the cwd filter matches 1 in REPOS. */
const REPOS = 10;
const CWD_REPO = 'repo-3';
/** Labels are `task n: fix the flaky test in module <n % 97>`: "module 1" matches modules 1 and 10–19, 11 in 97 (11 %). */
const LABEL_FILTER = 'module 1';
const FIRST_CALL_RUNS = 6;
const TURNS = 12;
const CALLS = 40;
const EVENTS = 2000;
const EVENT_TURNS = 3;
const WRITES = 60;

const TARGET = { launch: 1.3, turn: 1.2, one: 10, list: 30, firstCall: 1.5, write: 1.2 };

const MIGRATE = fileURLToPath(new URL('./history-migrate.ts', import.meta.url));

interface Side {
  name: 'history' | 'empty';
  dir: string;
  env: Record<string, string>;
  server?: Product;
}

/** Writes sessions.json of the previous format, streamed (the whole file never sits in memory as one string). */
export async function writePreviousFormat(stateDir: string, workspace: string, count: number): Promise<{ bytes: number; ids: string[]; ms: number }> {
  const t0 = performance.now();
  await mkdir(path.join(stateDir, 'sessions'), { recursive: true, mode: 0o700 });
  const first = Date.now() - END_GAP_MS - SPAN_MS;
  const file = await open(path.join(stateDir, 'sessions.json'), 'w', 0o600);
  const ids: string[] = [];
  let bytes = 0;
  const write = async (text: string) => {
    bytes += Buffer.byteLength(text);
    await file.write(text);
  };
  try {
    await write('{"version":1,"sessions":{');
    let chunk: string[] = [];
    for (let n = 0; n < count; n++) {
      const session = finishedSession(first + Math.floor((n * SPAN_MS) / count), `${workspace}/repo-${n % REPOS}`, n);
      if (n === 0 || n === count - 1) sessionSchema.parse(session); // shaped like the real thing
      ids.push(session.id);
      chunk.push(`${n === 0 ? '' : ','}${JSON.stringify(session.id)}:${JSON.stringify(session)}`);
      if (chunk.length === 5000) {
        await write(chunk.join(''));
        chunk = [];
      }
    }
    await write(`${chunk.join('')}}}`);
  } finally {
    await file.close();
  }
  return { bytes, ids, ms: performance.now() - t0 };
}

interface Migration {
  moved: number;
  ms: number;
  /** Why archiveSettled failed, if it did (the bench then finished its last step: completedByBench). */
  error: string | null;
  completedByBench: boolean;
  logged: string[];
  cpuUserMs: number;
  cpuSystemMs: number;
  phases: Record<string, number>;
  vmHwmKb: number;
  maxRssKb: number;
  heapLimitMb: number;
  wallMs: number;
}

/** The real archiveSettled in a child process (bench/history-migrate.ts). */
function migrate(stateDir: string): Promise<Migration> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [MIGRATE, stateDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const wallMs = performance.now() - t0;
      if (code !== 0) return reject(new Error(`migration child exited ${code ?? signal}: ${err.slice(-800)}`));
      resolve({ ...(JSON.parse(out) as Omit<Migration, 'wallMs'>), wallMs });
    });
  });
}

/** What the archive holds after the migration: shards, index lines, live sessions left. */
async function describeArchive(stateDir: string): Promise<{ shards: number; indexLines: number; indexedIds: number; liveSessions: number; liveBytes: number }> {
  const indexDir = path.join(stateDir, 'archive', 'index');
  const shards = (await readdir(indexDir)).filter((n) => n.endsWith('.jsonl'));
  let indexLines = 0;
  const ids = new Set<string>();
  for (const shard of shards) {
    const lines = (await readFile(path.join(indexDir, shard), 'utf8')).split('\n').filter(Boolean);
    indexLines += lines.length;
    for (const line of lines) ids.add((JSON.parse(line) as { id: string }).id);
  }
  const liveText = await readFile(path.join(stateDir, 'sessions.json'), 'utf8');
  return { shards: shards.length, indexLines, indexedIds: ids.size, liveSessions: Object.keys(JSON.parse(liveText).sessions).length, liveBytes: Buffer.byteLength(liveText) };
}

/** Spawn → initialize → the first `codex_status` list answered, on a fresh server. */
async function firstCall(side: Side, cwd: string): Promise<{ totalMs: number; initMs: number; listMs: number }> {
  const raw = startRaw([SERVER_MAIN], side.env, cwd);
  try {
    const init = await initialize(raw);
    const answer = await raw.request('tools/call', { name: 'codex_status', arguments: {} });
    if (answer.error || answer.result?.isError) throw new Error(`first codex_status on ${side.name}: ${JSON.stringify(answer.error ?? answer.result.content)}`);
    return { totalMs: answer.at - raw.spawnedAt, initMs: init.at - raw.spawnedAt, listMs: answer.at - init.at };
  } finally {
    await raw.close();
  }
}

/** A turn: launch → status polled every 20 ms until it has ended; then its runner is waited for (it archives). */
async function turn(side: Side, prompt: string): Promise<{ launchMs: number; wallMs: number; id: string }> {
  const server = side.server!;
  const launch = await server.tool('codex_launch', { prompt, label: `bench ${side.name} turn` });
  const id = launch.out.sessionId as string;
  let status = launch.out.status as string;
  while (!TERMINAL.has(status)) {
    await sleep(20);
    status = (await server.tool('codex_status', { sessionId: id })).out.status;
  }
  const wallMs = performance.now() - launch.sentAt;
  if (status !== 'succeeded') throw new Error(`${side.name} turn ${id} ended ${status}`);
  for (const pid of runnersOf(side.dir)) await waitGroupGone(pid);
  return { launchMs: launch.ms, wallMs, id };
}

function vmRssMb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

interface Row {
  what: string;
  history: Summary | null;
  empty: Summary | null;
  /** The figure the target is judged on, as text. */
  figure: string;
  target: string;
  met: boolean | null;
}

export async function measureHistoryScale(): Promise<MeasureResult> {
  const started = performance.now();
  return withWorld({}, async (world) => {
    const history: Side = { name: 'history', dir: world.stateDir, env: world.env };
    const emptyDir = path.join(world.root, 'state-empty');
    await mkdir(emptyDir, { recursive: true, mode: 0o700 });
    const empty: Side = { name: 'empty', dir: emptyDir, env: { ...world.env, CODEX_DELEGATE_HOME: emptyDir } };
    const sides = [history, empty];
    const notes: string[] = [];

    // 1. The previous format, then the real migration (once: it is also what builds the history world).
    log(`history-scale: writing ${HISTORY.toLocaleString('en')} sessions in the previous format`);
    const legacy = await writePreviousFormat(history.dir, world.workspace, HISTORY);
    log(`history-scale: ${(legacy.bytes / 1e6).toFixed(1)} MB in ${(legacy.ms / 1000).toFixed(1)} s; migrating`);
    const migration = await migrate(history.dir);
    const archive = await describeArchive(history.dir);
    log(`history-scale: migrated ${migration.moved} in ${(migration.ms / 1000).toFixed(1)} s, peak ${(migration.vmHwmKb / 1024).toFixed(0)} MB; ${archive.shards} shards, ${archive.liveSessions} live`);
    if (migration.error) log(`history-scale: THE MIGRATION FAILED after ${(migration.ms / 1000).toFixed(1)} s (${migration.error}); the bench finished its last step to build the history world`);
    if (migration.moved + archive.liveSessions !== HISTORY || archive.indexedIds !== migration.moved) {
      throw new Error(`migration lost sessions: moved ${migration.moved}, live ${archive.liveSessions}, ids in the index ${archive.indexedIds}`);
    }
    const live = new Set(Object.keys(JSON.parse(await readFile(path.join(history.dir, 'sessions.json'), 'utf8')).sessions));
    const archivedIds = legacy.ids.filter((id, n) => n % 997 === 13 && !live.has(id));

    // 2. First call of a fresh server, alternating (one unmeasured round first: disk cache, compile cache).
    for (const side of sides) await firstCall(side, world.workspace);
    const first: Record<Side['name'], { totalMs: number; initMs: number; listMs: number }[]> = { history: [], empty: [] };
    for (let i = 0; i < FIRST_CALL_RUNS; i++) {
      for (const side of i % 2 ? [...sides].reverse() : sides) first[side.name].push(await firstCall(side, world.workspace));
    }
    log(`history-scale: first call ${mmm(summarize(first.history.map((f) => f.totalMs)))} vs ${mmm(summarize(first.empty.map((f) => f.totalMs)))}`);

    const launch: Record<Side['name'], number[]> = { history: [], empty: [] };
    const wall: Record<Side['name'], number[]> = { history: [], empty: [] };
    const eventsWall: Record<Side['name'], number[]> = { history: [], empty: [] };
    const calls = { one: [] as number[], label: [] as number[], cwd: [] as number[], listHistory: [] as number[], oneEmpty: [] as number[], listEmpty: [] as number[] };
    const firstOf: Record<string, number> = {};
    const rssMb: Record<string, number> = {};
    let rare: { firstMs: number; againMs: number[] } | undefined;
    let emptyId = '';
    try {
      for (const side of sides) side.server = await startProduct(side.env, world.workspace);
      // Warm-up turn per side (Codex sets up a fresh CODEX_HOME on its first run; first-time folders).
      for (const side of sides) emptyId = (await turn(side, '@reply ok')).id;

      // 3. Short turns, alternating which side goes first.
      for (let i = 0; i < TURNS; i++) {
        for (const side of i % 2 ? [...sides].reverse() : sides) {
          const t = await turn(side, '@reply ok');
          launch[side.name].push(t.launchMs);
          wall[side.name].push(t.wallMs);
        }
      }
      log(`history-scale: launch ${mmm(summarize(launch.history))} vs ${mmm(summarize(launch.empty))}; turn ${mmm(summarize(wall.history), 'ms', 0)} vs ${mmm(summarize(wall.empty), 'ms', 0)}`);

      // 4. Status calls, interleaved: an archived session by id, filtered lists of 20, the default list.
      const h = history.server!;
      const e = empty.server!;
      const cwdFilter = path.join(world.workspace, CWD_REPO);
      const check = (out: any, what: string, ok: (s: any) => boolean) => {
        if (out.sessions?.length !== 20 || !out.sessions.every(ok)) throw new Error(`${what}: expected 20 matching sessions, got ${out.sessions?.length}`);
      };
      for (const [name, args] of [
        ['label', { label: LABEL_FILTER }],
        ['cwd', { cwd: cwdFilter }],
      ] as const) {
        firstOf[name] = (await h.tool('codex_status', args)).ms;
      }
      firstOf.one = (await h.tool('codex_status', { sessionId: archivedIds[0] })).ms;
      for (let i = 0; i < CALLS; i++) {
        const id = archivedIds[(i + 1) % archivedIds.length]!;
        const one = await h.tool('codex_status', { sessionId: id });
        if (one.out.sessionId !== id || one.out.status === undefined) throw new Error('codex_status answered another session');
        calls.one.push(one.ms);
        const byLabel = await h.tool('codex_status', { label: LABEL_FILTER });
        check(byLabel.out, 'label filter', (s) => s.label.toLowerCase().includes(LABEL_FILTER));
        calls.label.push(byLabel.ms);
        const byCwd = await h.tool('codex_status', { cwd: cwdFilter });
        check(byCwd.out, 'cwd filter', (s) => s.cwd === cwdFilter);
        calls.cwd.push(byCwd.ms);
        calls.listHistory.push((await h.tool('codex_status', {})).ms);
        calls.oneEmpty.push((await e.tool('codex_status', { sessionId: emptyId })).ms);
        calls.listEmpty.push((await e.tool('codex_status', {})).ms);
      }
      rssMb.history = vmRssMb(h.raw.child.pid!);
      rssMb.empty = vmRssMb(e.raw.child.pid!);
      // Diagnostic: a filter nothing matches reads every shard of the index (what a listing can cost at worst).
      const rareFirst = await h.tool('codex_status', { label: 'matches no session at all' });
      const rareAgain: number[] = [];
      for (let i = 0; i < 5; i++) rareAgain.push((await h.tool('codex_status', { label: 'matches no session at all' })).ms);
      rare = { firstMs: rareFirst.ms, againMs: rareAgain };
      rssMb.historyAfterFullScan = vmRssMb(h.raw.child.pid!);
      log(`history-scale: one ${mmm(summarize(calls.one))}, label ${mmm(summarize(calls.label))}, cwd ${mmm(summarize(calls.cwd))}; no-match scan first ${rareFirst.ms.toFixed(0)} ms`);

      // 5. Turns that stream: the runner's progress writes, end to end.
      for (let i = 0; i < EVENT_TURNS; i++) {
        for (const side of i % 2 ? [...sides].reverse() : sides) eventsWall[side.name].push((await turn(side, `@events ${EVENTS}\n@reply ok`)).wallMs);
      }
      log(`history-scale: @events ${EVENTS} turn ${mmm(summarize(eventsWall.history), 'ms', 0)} vs ${mmm(summarize(eventsWall.empty), 'ms', 0)}`);
    } finally {
      for (const side of sides) await side.server?.close();
    }

    // 6. One progress write, timed alone: the same locked read → mutate → fsync'd write a runner makes,
    //    on a live session of each side, alternating, with no server or runner around.
    //    A third directory holds a copy of the history side's live file and no archive: it tells the
    //    archive's share (none expected) from that of the finished sessions kept live by design.
    for (const side of sides) for (const pid of runnersOf(side.dir)) await waitGroupGone(pid);
    const liveOnlyDir = path.join(world.root, 'state-live-only');
    await mkdir(liveOnlyDir, { recursive: true, mode: 0o700 });
    await copyFile(path.join(history.dir, 'sessions.json'), path.join(liveOnlyDir, 'sessions.json'));
    const writes: Record<string, number[]> = { history: [], empty: [], liveOnly: [] };
    const liveBytes: Record<string, number> = {};
    const arms: { name: string; dir: string; registry: Registry; id?: string }[] = [
      { name: 'history', dir: history.dir, registry: new Registry(makePaths(history.dir)) },
      { name: 'empty', dir: empty.dir, registry: new Registry(makePaths(empty.dir)) },
      { name: 'liveOnly', dir: liveOnlyDir, registry: new Registry(makePaths(liveOnlyDir)) },
    ];
    for (const arm of arms) {
      const data = await arm.registry.read();
      arm.id = Object.values(data.sessions).sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0]!.id;
      liveBytes[arm.name] = (await stat(path.join(arm.dir, 'sessions.json'))).size;
    }
    for (let i = 0; i < WRITES + 2; i++) {
      // Rotating order: no arm always follows the same one.
      for (const arm of [...arms.slice(i % 3), ...arms.slice(0, i % 3)]) {
        const t0 = performance.now();
        await arm.registry.update((data) => {
          data.sessions[arm.id!]!.turns.at(-1)!.lastEventAt = new Date().toISOString();
        });
        if (i >= 2) writes[arm.name]!.push(performance.now() - t0);
      }
    }

    // The figures.
    const s = (values: number[]) => summarize(values);
    const ratio = (a: Summary, b: Summary) => a.p50 / b.p50;
    const firstH = s(first.history.map((f) => f.totalMs));
    const firstE = s(first.empty.map((f) => f.totalMs));
    const rows: Row[] = [];
    const ratioRow = (what: string, h: Summary, e: Summary, target: number, digits = 1): Row => ({
      what,
      history: h,
      empty: e,
      figure: `×${fmt(ratio(h, e), 2)} (history ${mmm(h, 'ms', digits)}, empty ${mmm(e, 'ms', digits)})`,
      target: `≤ ${target}×`,
      met: ratio(h, e) <= target,
    });
    const absRow = (what: string, h: Summary, target: number, baseline: Summary | null, baselineName: string): Row => ({
      what,
      history: h,
      empty: baseline,
      figure: `p50 **${fmt(h.p50)} ms** (${mmm(h)})${baseline ? `; ${baselineName} ${mmm(baseline)}` : ''}`,
      target: `p50 ≤ ${target} ms`,
      met: h.p50 <= target,
    });
    rows.push(ratioRow('`codex_launch` (`@reply ok`), p50 ratio', s(launch.history), s(launch.empty), TARGET.launch));
    rows.push(ratioRow('short turn: launch → `succeeded` seen (status every 20 ms), p50 ratio', s(wall.history), s(wall.empty), TARGET.turn, 0));
    rows.push(absRow('`codex_status {sessionId}` of an archived session', s(calls.one), TARGET.one, s(calls.oneEmpty), 'empty side (a live id)'));
    rows.push(absRow(`list of 20, \`label: "${LABEL_FILTER}"\` (11 % of sessions)`, s(calls.label), TARGET.list, s(calls.listEmpty), 'empty side, default list'));
    rows.push(absRow(`list of 20, \`cwd: <workspace>/${CWD_REPO}\` (10 %)`, s(calls.cwd), TARGET.list, s(calls.listEmpty), 'empty side, default list'));
    rows.push(ratioRow('fresh server: spawn → initialize → first `codex_status` list, p50 ratio', firstH, firstE, TARGET.firstCall, 0));
    rows.push(ratioRow('one progress write (`Registry.update`, locked read → mutate → fsync\'d write), p50 ratio', s(writes.history!), s(writes.empty!), TARGET.write, 2));
    rows.push(ratioRow(`\`@events ${EVENTS}\` turn: launch → \`succeeded\` seen, p50 ratio`, s(eventsWall.history), s(eventsWall.empty), TARGET.write, 0));
    rows.push({
      what: `migration: \`archiveSettled\` on a ${(legacy.bytes / 1e6).toFixed(0)} MB previous-format \`sessions.json\` of ${HISTORY.toLocaleString('en')} sessions (child process, once)`,
      history: null,
      empty: null,
      figure: migration.error
        ? `**failed** after ${fmt(migration.ms / 1000)} s: ${migration.error} (peak RSS ${fmt(migration.vmHwmKb / 1024, 0)} MB; the bench finished the last step itself to build the history world)`
        : `**${fmt(migration.ms / 1000)} s**, peak RSS (VmHWM) **${fmt(migration.vmHwmKb / 1024, 0)} MB** (heap limit ${migration.heapLimitMb} MB); ${migration.moved.toLocaleString('en')} moved, ${archive.liveSessions} left live`,
      target: 'completes (time and memory measured)',
      met: migration.error === null,
    });

    const judged = rows.filter((r) => r.met !== null);
    const phases = Object.entries(migration.phases)
      .map(([k, v]) => `${k.replace(/Ms$/, '')} ${fmt(v / 1000)} s`)
      .join(', ');
    notes.push(
      `migration phases (wrapped methods, overlapping: the locked update contains the index append): ${phases}; CPU user ${fmt(migration.cpuUserMs / 1000)} s + system ${fmt(migration.cpuSystemMs / 1000)} s of ${fmt(migration.ms / 1000)} s wall; child wall ${fmt(migration.wallMs / 1000)} s incl. Node start; ${archive.shards} day shards, ${archive.indexLines.toLocaleString('en')} index lines for ${archive.indexedIds.toLocaleString('en')} sessions; live file after: ${archive.liveSessions} sessions, ${(archive.liveBytes / 1e3).toFixed(0)} KB`,
      ...(migration.logged.length ? [`the migration's registry log: ${migration.logged.slice(0, 8).join(' | ')}${migration.logged.length > 8 ? ` | … ${migration.logged.length - 8} more` : ''}`] : []),
      `first calls on the history server (cold index shards / record files): label list ${fmt(firstOf.label!)} ms, cwd list ${fmt(firstOf.cwd!)} ms, one archived id ${fmt(firstOf.one!)} ms`,
      `fresh server, initialize answered: history ${mmm(s(first.history.map((f) => f.initMs)), 'ms', 0)}, empty ${mmm(s(first.empty.map((f) => f.initMs)), 'ms', 0)}; initialize → first list answered: history ${mmm(s(first.history.map((f) => f.listMs)))}, empty ${mmm(s(first.empty.map((f) => f.listMs)))}`,
      `default list of 20 (\`codex_status {}\`): history ${mmm(s(calls.listHistory))}, empty ${mmm(s(calls.listEmpty))}`,
      `a label nothing matches (reads every shard): first ${fmt(rare!.firstMs, 0)} ms, then ${mmm(s(rare!.againMs))} (parsed shards are cached while unchanged); server VmRSS history ${fmt(rssMb.history!, 0)} MB → ${fmt(rssMb.historyAfterFullScan!, 0)} MB after that scan, empty ${fmt(rssMb.empty!, 0)} MB`,
      `progress write on a copy of the history side's live file without any archive: ${mmm(s(writes.liveOnly!), 'ms', 2)} (×${fmt(s(writes.history!).p50 / s(writes.liveOnly!).p50, 2)} history/live-only); live sessions.json at that step: history ${(liveBytes.history! / 1e3).toFixed(0)} KB, empty ${(liveBytes.empty! / 1e3).toFixed(0)} KB (the 50 most recently finished stay live by design)`,
      `generating the previous-format file: ${fmt(legacy.ms / 1000)} s`,
    );
    return {
      id: 'history-scale',
      name: '9. History at scale',
      how: `${HISTORY.toLocaleString('en')} finished sessions (bench/status-scale.ts finishedSession, createdAt over the last 29.5 days, ${REPOS} cwds) written as a previous-format sessions.json (${(legacy.bytes / 1e6).toFixed(0)} MB), migrated by the real archiveSettled in a child process; that directory vs an empty state directory, two servers side by side, alternating: ${TURNS} \`@reply ok\` turns each, ${CALLS} status calls of each kind, ${FIRST_CALL_RUNS} fresh servers each, ${EVENT_TURNS} \`@events ${EVENTS}\` turns each, ${WRITES} timed Registry.update each`,
      result: rows.map((r) => `${r.what.replace(/, p50 ratio$/, '')}: ${r.figure}`).join('; '),
      target: `launch ≤ ${TARGET.launch}×, turn ≤ ${TARGET.turn}×, one id ≤ ${TARGET.one} ms, filtered list ≤ ${TARGET.list} ms, first call ≤ ${TARGET.firstCall}×, progress write ≤ ${TARGET.write}×`,
      met: judged.every((r) => r.met),
      figures: {
        rows,
        legacyBytes: legacy.bytes,
        generateMs: round(legacy.ms),
        migration,
        archive,
        firstCall: first,
        launchMs: { history: launch.history, empty: launch.empty },
        turnWallMs: { history: wall.history, empty: wall.empty },
        eventsTurnWallMs: { history: eventsWall.history, empty: eventsWall.empty },
        statusMs: calls,
        firstOf,
        noMatchScan: rare,
        serverRssMb: rssMb,
        progressWriteMs: writes,
        liveBytes,
      },
      notes,
      durationMs: performance.now() - started,
    };
  });
}

const SECTION = '## History at scale (issue 14)';

/** The dedicated RESULTS.md section of this measure. */
export function renderHistorySection(result: MeasureResult, machine: Machine): string {
  const rows = (result.figures.rows ?? []) as Row[];
  const met = (r: Row) => (r.met === null ? '—' : r.met ? '✅ yes' : '❌ no');
  return [
    SECTION,
    '',
    `Measured by \`node bench/run.ts history-scale\` (\`bench/history-scale.ts\`) on ${machine.date} (code ${machine.commit}, ${machine.cpuModel}, ${machine.cores} cores, load average ${machine.loadAverageStart.join(' / ')} at the start${machine.loadAverageEnd ? `, ${machine.loadAverageEnd.join(' / ')} at the end` : ''}), in ${fmt(result.durationMs / 1000, 0)} s. "a / b / c" is min / median / max. ${result.how}.`,
    '',
    '| figure | result | target | met? |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.what.replaceAll('|', '\\|')} | ${r.figure.replaceAll('|', '\\|')} | ${r.target} | ${met(r)} |`),
    '',
    ...result.notes.map((n) => `- ${n}`),
    '',
    'How:',
    '',
    '- Both sides run at once, one server each, in the same world (mock model, CODEX_HOME, workspace); every figure alternates history/empty (which goes first alternates too) and each turn waits for its runner to exit (it archives) before the next. One unmeasured warm-up turn and fresh server per side first.',
    "- Progress writes: a runner's progress write is one `Registry.update` (file lock, read, parse and validate the live file, mutate, serialise, fsync'd atomic write, unlock), so that call is timed directly, in this process, on the newest live session of each side, with no server or runner running. A third directory holding a copy of the history side's live file and no archive tells what the archive adds (nothing expected) from what the 50 finished sessions kept live add. The `@events` turn is the end-to-end view; it is dominated by Codex streaming the events, and progress writes are throttled to about one a second.",
    "- Migration: `bench/history-migrate.ts` runs `archiveSettled` from `src/` once in a child process; phases are timed by wrapping `Registry.read`, `Archive.writeRecords`, `Registry.update` and `Archive.list`; peak memory is the child's own VmHWM at the end.",
    '- Archived ids looked up by `codex_status {sessionId}` are spread over the whole 30 days and differ from call to call (each reads a record file not read before).',
    '',
  ].join('\n');
}

/**
 * After `node bench/run.ts history-scale`: replaces only this section of
 * RESULTS.md (appended when absent) and the `historyScale` entry of
 * results.json, leaving the other measures' figures as they were.
 */
export async function saveHistorySection(result: MeasureResult, machine: Machine): Promise<void> {
  const md = fileURLToPath(new URL('./RESULTS.md', import.meta.url));
  const json = fileURLToPath(new URL('./results.json', import.meta.url));
  const section = renderHistorySection(result, machine);
  const text = await readFile(md, 'utf8');
  const start = text.indexOf(SECTION);
  const end = start < 0 ? -1 : text.indexOf('\n## ', start + SECTION.length);
  const updated = start < 0 ? `${text.trimEnd()}\n\n${section}` : `${text.slice(0, start)}${section}${end < 0 ? '' : text.slice(end + 1)}`;
  await writeFile(md, updated);
  const results = JSON.parse(await readFile(json, 'utf8')) as Record<string, unknown>;
  results.historyScale = { machine, measure: result };
  await writeFile(json, `${JSON.stringify(results, null, 2)}\n`);
}

// Measure 5 — write amplification: a turn whose mock streams 5,000 events;
// registry writes are counted with fs.watch (renames onto sessions.json) and,
// independently, by polling the file's inode every 5 ms (every atomic write
// renames a new inode into place), reading each new version to see who wrote.
import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isAlive, log, mmm, readRegistry, round, runProcess, sleep, summarize, turnFile, until, waitGroupGone, withWorld, type MeasureResult } from './lib.ts';
import { startProduct } from './product.ts';

const RUNS = 3;
const BARE_RUNS = 2;
const EVENTS = 5000;
const TARGET_PER_SECOND = 2;

interface Version {
  at: number;
  status: string | null;
  activity: string | null;
  lastEventAt: string | null;
}

interface Run {
  watchWrites: number;
  pollWrites: number;
  seconds: number;
  perSecond: number;
  eventLines: number;
  versions: Version[];
  complete: boolean;
  problems: string[];
}

async function oneRun(server: Awaited<ReturnType<typeof startProduct>>, stateDir: string, i: number): Promise<Run> {
  const registry = path.join(stateDir, 'sessions.json');
  let watchWrites = 0;
  let watcher: FSWatcher | undefined;
  watcher = watch(stateDir, (event, filename) => {
    if (filename === 'sessions.json' && event === 'rename') watchWrites += 1;
  });
  const versions: Version[] = [];
  let id: string | undefined;
  let lastIno = (await stat(registry).catch(() => undefined))?.ino;
  let done = false;
  // The poller: a new inode = a new write; read it to learn what it changed.
  const poller = (async () => {
    while (!done) {
      const info = await stat(registry).catch(() => undefined);
      if (info && info.ino !== lastIno) {
        lastIno = info.ino;
        const at = Date.now();
        const data = JSON.parse(await readFile(registry, 'utf8').catch(() => '{}'));
        const turn = id ? data.sessions?.[id]?.turns?.[0] : undefined;
        versions.push({ at, status: turn?.status ?? null, activity: turn?.activity ?? null, lastEventAt: turn?.lastEventAt ?? null });
      }
      await sleep(5);
    }
  })();
  const t0 = Date.now();
  const launched = await server.tool('codex_launch', { prompt: `@events ${EVENTS}\n@reply done ${i}`, label: `bench events ${i}` });
  id = launched.out.sessionId as string;
  // Done when the registry says succeeded and the runner (which may still write after the outcome) has exited.
  let turn: any;
  for (;;) {
    turn = (await readRegistry(stateDir)).sessions[id]?.turns[0];
    if (turn && turn.status !== 'running' && turn.status !== 'queued') break;
    await sleep(20);
  }
  const ended = Date.parse(turn.endedAt);
  if (turn.runner?.pid) await waitGroupGone(turn.runner.pid);
  await sleep(50);
  done = true;
  await poller;
  watcher.close();
  const session = (await readRegistry(stateDir)).sessions[id];
  const final = session.turns[0];
  const eventLines = (await readFile(turnFile(stateDir, id, 'events.jsonl'), 'utf8')).split('\n').filter(Boolean).length;
  const problems: string[] = [];
  if (final.status !== 'succeeded') problems.push(`status ${final.status}`);
  if (final.counters.messages !== 1) problems.push(`counters.messages ${final.counters.messages}`);
  if (final.usage.inputTokens !== 100 || final.usage.outputTokens !== 20) problems.push(`usage ${JSON.stringify(final.usage)}`);
  if (!session.threadId) problems.push('no threadId');
  if (final.resultChars !== `done ${i}`.length) problems.push(`resultChars ${final.resultChars}`);
  if (eventLines < EVENTS) problems.push(`only ${eventLines} event lines`);
  if (!final.lastEventAt) problems.push('no lastEventAt');
  const seconds = (ended - t0) / 1000;
  return {
    watchWrites,
    pollWrites: versions.length,
    seconds,
    perSecond: watchWrites / seconds,
    eventLines,
    versions: versions.map((v) => ({ ...v, at: v.at - t0 })),
    complete: problems.length === 0,
    problems,
  };
}

export async function measureWriteAmplification(): Promise<MeasureResult> {
  const started = performance.now();
  return withWorld({}, async (world) => {
    const server = await startProduct(world.env, world.workspace);
    try {
      await server.tool('codex_status', {}); // the state dir exists from here on
      // Warm-up: Codex's first run in a fresh CODEX_HOME sets up its state.
      await server.tool('codex_launch', { prompt: '@reply warm-up', label: 'bench warm-up' });
      await until(async () => {
        const sessions = Object.values((await readRegistry(world.stateDir)).sessions);
        const turn = sessions[0]?.turns[0];
        return turn && turn.status === 'succeeded' && !(turn.runner?.pid && isAlive(turn.runner.pid)) ? true : undefined;
      }, 60_000, 'the warm-up run');
      // Product runs alternating with bare Codex on the same prompt: how long Codex itself takes to stream the events.
      const runs: Run[] = [];
      const bare: number[] = [];
      for (let i = 1; i <= RUNS; i++) {
        runs.push(await oneRun(server, world.stateDir, i));
        if (bare.length < BARE_RUNS) {
          const r = await runProcess(world.env.CODEX_BIN!, ['exec', '--json', '--skip-git-repo-check', '-'], {
            env: world.env,
            cwd: world.workspace,
            input: `@events ${EVENTS}\n@reply bare\n`,
          });
          if (r.code !== 0) throw new Error(`bare codex failed (${r.code}): ${r.stderr.slice(-300)}`);
          bare.push(r.ms / 1000);
        }
      }
      const bareSeconds = summarize(bare);
      const perSecond = summarize(runs.map((r) => r.perSecond));
      const writes = summarize(runs.map((r) => r.watchWrites));
      const seconds = summarize(runs.map((r) => r.seconds));
      const allComplete = runs.every((r) => r.complete);
      const example = runs[Math.floor(runs.length / 2)]!;
      const trail = example.versions.map((v) => `${v.at}ms ${v.status ?? '-'}/${v.activity ?? '-'}`).join(' → ');
      log(`writes: ${mmm(writes, '')} per run over ${mmm(seconds, 's', 2)} = ${mmm(perSecond, '/s', 2)}; complete ${allComplete}`);
      return {
        id: 'write-amplification',
        name: '5. Write amplification',
        how: `\`@events ${EVENTS}\` turn (${EVENTS} extra stdout lines); registry writes counted with fs.watch (renames onto sessions.json) and an inode poll every 5 ms, from the launch to the runner's exit; rate over launch → endedAt; ${RUNS} runs (after a warm-up turn), alternating with ${BARE_RUNS} bare \`codex exec\` runs of the same prompt`,
        result: `**${perSecond.p50.toFixed(2)} writes/s** median (${mmm(perSecond, '/s', 2)}); ${mmm(writes, 'writes', 0)} per run of ${mmm(seconds, 's', 2)} for ≥${EVENTS} events; final record complete in ${runs.filter((r) => r.complete).length}/${runs.length} runs`,
        target: `≤ ${TARGET_PER_SECOND} writes/s; final record complete`,
        met: perSecond.p50 <= TARGET_PER_SECOND && allComplete,
        figures: {
          writesPerSecond: perSecond,
          writesPerRun: writes,
          pollWritesPerRun: summarize(runs.map((r) => r.pollWrites)),
          runSeconds: seconds,
          eventLines: summarize(runs.map((r) => r.eventLines)),
          writesPer1000Events: round((writes.p50 / EVENTS) * 1000, 2),
          allComplete,
          problems: runs.flatMap((r) => r.problems),
          exampleVersions: example.versions,
          bareCodexSeconds: bareSeconds,
        },
        notes: [
          `bare \`codex exec\` needs ${mmm(bareSeconds, 's', 2)} for the same prompt (spawn → exit), so the turn's length is Codex's own; the runner keeps up with the stream`,
          `writes of a median run as seen by the inode poll (time since launch, status/activity): ${trail}`,
          ...(allComplete ? [] : [`incomplete records: ${runs.flatMap((r) => r.problems).join('; ')}`]),
        ],
        durationMs: performance.now() - started,
      };
    } finally {
      await server.close();
    }
  });
}

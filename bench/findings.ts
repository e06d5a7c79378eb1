// The "Findings" section of RESULTS.md: why a target was missed and what to
// change in src/, with the evidence taken from this run's figures and the
// start-up diagnostics. Causes were established by profiling (see the end).
import type { MeasureResult, Summary } from './lib.ts';
import type { Machine } from './machine.ts';
import type { StartupDiagnostics, Variant } from './startup-diagnostics.ts';

const ms = (v: number | undefined, digits = 0) => (v === undefined || !Number.isFinite(v) ? 'n/a' : `${v.toFixed(digits)} ms`);
const mb = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? 'n/a' : `${v.toFixed(1)} MB`);

export function buildFindings(results: MeasureResult[], diag: StartupDiagnostics | undefined, machine: Machine): string {
  const by = (id: string) => results.find((r) => r.id === id);
  const f = (id: string) => (by(id)?.figures ?? {}) as Record<string, any>;
  const missed = (id: string) => by(id)?.met === false;
  const v = (list: Variant[] | undefined, name: string) => list?.find((x) => x.name === name);
  const wall = (list: Variant[] | undefined, name: string) => v(list, name)?.wallMs?.p50;
  const rss = (name: string) => v(diag?.runnerMemory, name)?.rssMb;
  const heap = (name: string) => v(diag?.runnerMemory, name)?.heapTotalMb;
  const out: string[] = [
    '### Applied after the first runs',
    '',
    '- undici is imported on the first gateway call (`src/notify/gateway-client.ts`), not at start-up: runner RSS 88.6 → ~80 MB, cold start ratio 1.87 → ~1.3.',
    '- The doctor (and execa with it), proper-lockfile and write-file-atomic load on first use (`src/server/cli.ts`, `src/store/registry.ts`, `src/store/private-file.ts`): answering initialize and tools/list needs none of them; cold start ratio ~1.3 → ~1.0.',
    "- V8's compile cache is enabled by thin entries (`src/server/main.ts`, `src/runner/main.ts`) before the module graph loads: runner start to Codex ~350 → ~250 ms.",
    '- `codex_launch` records and schedules in one locked write (`enqueueTurn`), which also fixed launches answering `queued` for turns another server had started (F-queued-answer).',
    '- Status views (active sessions, queue order, newest first) are memoised per registry snapshot (`src/store/queries.ts`): at 10,000 sessions `codex_status` p50 14.2 → 0.7 ms (one id), 19.9 → 1.4 ms (list).',
    '- Not applied, on purpose: replacing execa with `child_process` and zod with plain checks in the runner. Both are the project\'s chosen libraries (execa for the process, zod at every boundary); together they are ~40 MB of the runner\'s ~80 MB and ~100 ms of its start. `--max-semi-space-size=1` saved 4 MB but cost ~70 ms of start-up here, so it is not used either.',
    '',
  ];
  const finding = (id: string, title: string, body: string[]) => {
    out.push(`### F-${id}. ${title}`, '', ...body, '');
  };

  // Start-up figures shared by several findings.
  const rs = diag?.runnerStart;
  const runner = wall(rs, 'runner');
  const node = wall(rs, 'bare node -e 0');
  const hookOnly = wall(rs, 'runner, hook only (no stub)');
  const noUndici = wall(rs, 'runner, undici stubbed');
  const noUndiciExeca = wall(rs, 'runner, undici + execa stubbed');
  const cached = wall(rs, 'runner, NODE_COMPILE_CACHE (warm)');
  const steps = f('overhead').productStepsMedianMs ?? {};

  if (missed('overhead') || missed('cold-start') || missed('launch-latency')) {
    const o = f('overhead');
    finding('startup', 'A Node process per turn: the runner needs a third of a second or more before Codex starts (measure 3; also 2, and the 🚀 delay in 4)', [
      `- Evidence (this run): launch → runner has claimed the turn **${ms(steps.launchToRunnerClaim)}**, claim → Codex spawned ${ms(steps.claimToCodexStarted)}, Codex itself ${ms(steps.codexStartedToLastEvent)}, last event → outcome recorded ${ms(steps.lastEventToEndedRecorded)}, recorded → seen by \`codex_status\` ${ms(steps.endedToStatusSeen)}. Bare Codex: ${ms((o.bareMs as Summary | undefined)?.p50)}. So the added ${ms((o.addedMs as Summary | undefined)?.p50)} is almost all runner start-up.`,
      `- Loading the runner's module graph (spawn → exit at its usage check, median of alternating runs): **${ms(runner)}** vs bare \`node -e 0\` ${ms(node)}. With the module hook only: ${ms(hookOnly)}; undici replaced by a stub: ${ms(noUndici)}; undici and execa stubbed: ${ms(noUndiciExeca)}; with a warm \`NODE_COMPILE_CACHE\`: ${ms(cached)}. A CPU profile of a runner (\`--cpu-prof\` through NODE_OPTIONS) agrees: undici is the largest single package in its start-up; execa brings 19 further packages (npm-run-path, human-signals, figures, …) that the runner never uses.`,
      '- Suggestions:',
      "  1. `src/notify/gateway-client.ts`: drop `import { request } from 'undici'`; use the global `fetch` (Node ≥ 22 ships it; its bundled undici is only loaded on the first call) or `await import('undici')` inside `#post`. Both the runner and the server stop paying for undici at start-up; the runner only talks to the gateway after Codex has started.",
      '  2. `src/codex/run-codex.ts`: replace execa with `node:child_process` `spawn(bin, args, { cwd, env, stdio: [\'pipe\', \'pipe\', stderrFd] })` (write the prompt and `end()` stdin, `readline` over stdout, exit from `close`); none of execa\'s heavier features are used.',
      "  3. `src/runner/main.ts` and `src/server/main.ts`: enable V8's compile cache (`module.enableCompileCache()` from `node:module`, Node ≥ 22.1) in a tiny entry file that then `await import()`s the real main (static imports are evaluated before any code runs), or set `NODE_COMPILE_CACHE` in the runner's env in `src/runner/start-runner.ts` (e.g. `$CODEX_DELEGATE_HOME/.compile-cache`).",
      '  4. `src/runner/run-turn.ts`: between the claim and Codex, `locateCodex`, reading the prompt, removing the old `-o` file and creating `stderr.log` run one after another; run them with `Promise.all` (or pass the path the server already located in `launch.ts` on the runner\'s argv).',
      `- Even with all of this a runner costs at least a bare Node start (${ms(node)}) plus one locked, fsync'd registry write (${ms(machine.fsyncWriteMs, 1)} per fsync'd write on this disk) before Codex runs: on this ${ms((o.bareMs as Summary | undefined)?.p50)} mock turn the 1.05 ratio (≤ ${ms(((o.bareMs as Summary | undefined)?.p50 ?? NaN) * 0.05)} added) is out of reach by design. On real Codex turns (tens of seconds to minutes) the ${ms((o.addedMs as Summary | undefined)?.p50)} added is ≤ 1–2 %; the absolute ms added is the figure to track.`,
    ]);
  }

  if (missed('cold-start')) {
    const c = f('cold-start');
    const sc = diag?.serverColdStart;
    finding('cold-start', 'Server cold start: undici and uncached compilation (measure 2)', [
      `- Evidence: spawn → \`tools/list\` answered, product ${ms((c.productListMs as Summary | undefined)?.p50)} vs bare SDK server ${ms((c.baselineListMs as Summary | undefined)?.p50)}. Diagnostics (alternating, medians): product ${ms(wall(sc, 'product'))}, with the hook only ${ms(wall(sc, 'product, hook only (no stub)'))}, undici stubbed ${ms(wall(sc, 'product, undici stubbed'))}, warm compile cache ${ms(wall(sc, 'product, NODE_COMPILE_CACHE (warm)'))}, baseline ${ms(wall(sc, 'bare SDK server (baseline)'))}. The server imports undici only through \`Notifier\` → \`GatewayClient\`, and uses it only when a notification is due.`,
      `- \`tools/list\` itself: product +${ms((c.productListMs as Summary).p50 - (c.productInitMs as Summary).p50, 1)} after \`initialize\` vs +${ms((c.baselineListMs as Summary).p50 - (c.baselineInitMs as Summary).p50, 1)} for the baseline: the SDK turns each tool's zod input and output schema into JSON Schema on every \`tools/list\`; the product's schemas are larger (status output has ~25 fields). Minor.`,
      '- Suggestions: F-startup items 1 and 3. In `src/server/main.ts`, import `Notifier` (and with it `gateway-client.ts`, `openclaw-config.ts`/json5) lazily, only when `resolveCredentials` finds a token. Start-up housekeeping (`reconcileAndStart`, prune, leftovers) already runs after `connect`; keep it behind the first answer.',
    ]);
  }

  if (missed('runner-footprint')) {
    const r = f('runner-footprint');
    finding('memory', 'Runner memory: the module graph, not the work (measure 8)', [
      `- Evidence: runner VmRSS median ${mb((r.rssMb as Summary | undefined)?.p50)} during a turn that only waits, vs an idle bare Node ${mb((r.bareNodeRssMb as Summary | undefined)?.p50)}. Loading the runner's modules without running anything: ${mb(rss('runner graph'))} (heapTotal ${mb(heap('runner graph'))}, bare node ${mb(rss('bare node'))}). undici + execa stubbed: ${mb(rss('runner graph, undici + execa stubbed'))}; \`--max-semi-space-size=1\`: ${mb(rss('runner graph, --max-semi-space-size=1'))} (heapTotal ${mb(heap('runner graph, --max-semi-space-size=1'))}); both: **${mb(rss('runner graph, undici + execa stubbed, --max-semi-space-size=1'))}**. zod accounts for most of the rest (importing zod alone adds ~15–18 MB over bare Node).`,
      '- Suggestions:',
      "  1. F-startup items 1–2 (undici, execa out of the runner).",
      "  2. `src/runner/start-runner.ts`: spawn the runner with `[ '--max-semi-space-size=1', RUNNER_MAIN, … ]`; it allocates little, and V8's default young generation otherwise reserves ~16 MB of heap.",
      "  3. Keep zod off the runner's path: `src/config.ts` validates the environment with zod and `src/store/session.ts` schemas come in through `transitions.ts`/`outcome.ts`/`notifier.ts`; use `zod/mini` there or plain checks (the runner trusts the registry the server validated).",
    ]);
  }

  const l = f('launch-latency');
  if (l.spaced && missed('launch-latency')) {
    const g = (k: string) => l[k] as Summary;
    finding('launch', 'Launch: over its target while runners start (measure 1, missed)', [
      `- Evidence: spaced p50 ${ms(g('spaced').p50, 1)}, p95 ${ms(g('spaced').p95, 1)}; burst of 10 on one connection p50 ${ms(g('burstOneConnection').p50, 1)}, p95 ${ms(g('burstOneConnection').p95, 1)}; over two connections p50 ${ms(g('burstTwoConnections').p50, 1)}, p95 ${ms(g('burstTwoConnections').p95, 1)}.`,
      "- The path: two fsync'd input files per launch (write-file-atomic), one registry write per group of concurrent changes of a server (`src/store/write-queue.ts`), one spawn per group of launches (`spawnRunnersTogether`). Each turn's runner and Codex then take ≈ 0.4–0.5 s of CPU to start, on the same cores; see the issue 12 section of bench/RESULTS.md.",
    ]);
  }

  const c7 = f('concurrency');
  if (Array.isArray(c7.answeredRunning) && c7.answeredRunning.some((x: number) => x < 20)) {
    finding('queued-answer', 'Launch answers `queued` for turns that are already running (measure 7, correctness)', [
      `- Evidence: with MAX_CONCURRENT=20 and 20 launches from two servers, every turn ran at once, yet only ${c7.answeredRunning.join(', ')} of 20 launches per round answered \`running\`; the others said \`queued\`.`,
      "- Cause: `enqueueTurn` in `src/server/tools/launch.ts` sets `status` from `startReadyTurns()`'s return value, which only lists the turns *this* call moved to running. When the other server's scheduler (or a finishing runner) started the turn first, the answer says `queued`.",
      '- Suggestion: after `startReadyTurns`, answer with the turn\'s status as recorded (read it back, or have the scheduling step of F-launch item 1 return it).',
    ]);
  }

  const s6 = f('status-scale');
  if (s6.oneMs) {
    finding('scale', `Status at scale: fine while the file is unchanged, expensive after every write (measure 6${missed('status-scale') ? ', missed' : ''})`, [
      `- Evidence: with 10,000 finished sessions (${((s6.registryBytes ?? 0) / 1e6).toFixed(1)} MB) \`codex_status\` p50 is ${ms((s6.oneMs as Summary).p50, 1)} (one id) / ${ms((s6.listMs as Summary).p50, 1)} (list) vs ${ms((s6.oneSmallMs as Summary).p50, 1)} / ${ms((s6.listSmallMs as Summary).p50, 1)} at 10 sessions. A CPU profile of these calls: the time is three full passes over all sessions per call — \`findDead\` (\`src/store/reconcile.ts\`), the \`anyQueued\` check of \`startReadyTurns\` (\`src/runner/scheduler.ts\`) and \`queuePositions\` (\`src/server/tools/status.ts\`), ~2–4 ms each at 10k (mostly \`Object.values\` over the 10k-key object: ~3.8 ms alone in a micro-benchmark).`,
      `- Every registry write invalidates the parsed copy: the \`codex_status\` right after a launch took ${ms((s6.statusAfterWriteAt10kMs as Summary | undefined)?.p50)} at 10k (vs ${ms((s6.statusAfterWriteAtSmallMs as Summary | undefined)?.p50, 1)}); \`codex_launch\` ${ms((s6.launchAt10kMs as Summary | undefined)?.p50)} (vs ${ms((s6.launchAtSmallMs as Summary | undefined)?.p50, 1)}); a \`@reply ok\` turn launch → succeeded ${ms((s6.turnWallAt10kMs as Summary | undefined)?.p50)} (vs ${ms((s6.turnWallAtSmallMs as Summary | undefined)?.p50)}), because every \`update()\` re-reads, re-parses, re-serialises and fsyncs the whole file, and a turn makes ~6 of them.`,
      '- Suggestions:',
      '  1. `src/store/registry.ts`: keep derived indexes with the cached parse (ids of sessions whose latest turn is queued/running, the queue order), so `reconcile`, `startReadyTurns` and `queuePositions` touch only active sessions.',
      '  2. `src/server/tools/status.ts`: compute `queuePositions` only when the requested session is queued (one-id call) or when listing.',
      '  3. Keep finished sessions out of the hot file: move a session to `sessions/<id>/session.json` (or an append-only archive) when its turn ends and its outbox is settled, so each write costs O(active sessions), not O(all). The default 30-day retention makes 10k sessions reachable for automated use (~330 tasks/day).',
    ]);
  }

  const w = f('write-amplification');
  if (w.writesPerRun) {
    finding('writes', `Registry writes per turn: the progress throttle works; the fixed writes dominate short turns (measure 5${missed('write-amplification') ? ', missed' : ''})`, [
      `- Evidence: ${(w.writesPerRun as Summary).p50} writes for a ${((w.runSeconds as Summary).p50).toFixed(1)} s turn with 5,000 events (${(w.writesPerSecond as Summary).p50.toFixed(2)}/s); bare Codex needs ${((w.bareCodexSeconds as Summary | undefined)?.p50 ?? NaN).toFixed(1)} s for the same prompt, so the runner keeps up with the stream. The sequence: record and schedule (server, 2), claim (1), \`thread.started\` (urgent, 1), one per second of streaming, \`turn.completed\` (urgent, 1), outcome (1). So a 1-second turn still makes ~6 writes, i.e. ~6 writes/s.`,
      "- Suggestions: F-launch item 1 (record + schedule in one write); in `src/runner/run-turn.ts` do not flush urgently on `completed` — the outcome write follows within milliseconds of Codex's exit and carries the same progress (`writer.flush()` then the final `update` could become one `update`).",
    ]);
  }

  const nl = f('notify-latency');
  if (nl.exitToFinalMs) {
    finding('notify', `Notifications (measure 4${missed('notify-latency') ? ', missed' : ', met'})`, [
      `- Codex exit → outcome persisted ${ms((nl.exitToEndedAtMs as Summary).p50)} (flush of pending progress = one more locked write, reading the answer, the cancel check, the stderr tail, then the outcome write); → ✅ received ${ms((nl.exitToFinalMs as Summary).p50)}; → agent wake ${ms((nl.exitToWakeMs as Summary).p50)} (a claim write and a result write per outbox entry). \`codex_launch\` → 🚀 received ${ms((nl.launchToLaunchMessageMs as Summary).p50)}: that is F-startup's runner start-up again.`,
      '- Suggestion (optional): merge the final progress flush into the outcome write (see F-writes), and claim the final and the wake in one `update` in `src/notify/outbox.ts`.',
    ]);
  }

  out.push(
    '### How the causes were found',
    '',
    '- Timelines from the runner\'s own log (`turn-1.runner.log` timestamps), the registry (`startedAt` stamped by the claim, `endedAt`), the events file mtime and the client\'s clock (measure 3 notes).',
    '- `--cpu-prof` through `NODE_OPTIONS` on the server and the runners (during settled launches, during 100 `codex_status` calls on the 10k registry, and for runner start-up), summarised by inclusive and self time per function and per package.',
    "- What-if runs (table below, same run): each dependency replaced by an empty stub through a `--import` module hook (only loading it is saved; \"hook only\" shows the hook's own cost), V8 compile cache on/off, `--max-semi-space-size`.",
    '',
  );
  return out.join('\n');
}

// Start-up of one turn on `codex app-server` (src/codex/app-server/engine.ts)
// vs `codex exec --json` (src/codex/run-codex.ts), same prompt, same mock
// model, interleaved, medians of RUNS after one warm-up each. Not part of
// `npm run bench`: run it by hand with `node bench/app-server-vs-exec.ts`.
import { appendFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startAppServerTurn } from '../src/codex/app-server/engine.ts';
import { buildCodexArgs, buildCodexEnv } from '../src/codex/command.ts';
import { parseEventLine } from '../src/codex/events.ts';
import { foldEvent, initialProgress } from '../src/codex/fold-events.ts';
import { startCodex } from '../src/codex/run-codex.ts';
import { CODEX_BIN, type World } from '../test/support/harness.ts';
import { log, mmm, summarize, withWorld } from './lib.ts';

const RUNS = Number(process.env.RUNS ?? 5);
const PROMPT = 'Say hello';

interface Timing {
  firstRequestMs: number;
  completedMs: number;
  exitMs: number;
}

/** Milliseconds from `start` until the mock model received one more request than it had. */
function watchFirstRequest(world: World, start: number): { ms: () => number; stop: () => void } {
  const before = world.model.requests.length;
  let at = NaN;
  const timer = setInterval(() => {
    if (Number.isNaN(at) && world.model.requests.length > before) at = performance.now() - start;
  }, 1);
  return { ms: () => at, stop: () => clearInterval(timer) };
}

async function stderrFile(world: World, name: string): Promise<string> {
  const file = path.join(world.root, `${name}-${Date.now()}.log`);
  await writeFile(file, '', { mode: 0o600 });
  return file;
}

async function appServerTurn(world: World): Promise<Timing> {
  const file = await stderrFile(world, 'app-server');
  const start = performance.now();
  const watch = watchFirstRequest(world, start);
  const turn = startAppServerTurn({
    bin: CODEX_BIN, cwd: world.workspace, env: world.env, sandbox: 'workspace-write', model: null, reasoningEffort: null,
    approvals: 'never', threadId: null, prompt: PROMPT, stderrFile: file,
  });
  let completedMs = NaN;
  for await (const event of turn.events) if (event.progress.completed && Number.isNaN(completedMs)) completedMs = performance.now() - start;
  await turn.exited;
  const exitMs = performance.now() - start;
  watch.stop();
  return { firstRequestMs: watch.ms(), completedMs, exitMs };
}

async function execTurn(world: World): Promise<Timing> {
  const file = await stderrFile(world, 'exec');
  const start = performance.now();
  const watch = watchFirstRequest(world, start);
  const codex = startCodex({
    command: {
      bin: CODEX_BIN,
      args: buildCodexArgs({ cwd: world.workspace, sandbox: 'workspace-write', model: null, reasoningEffort: null, lastMessageFile: path.join(world.root, 'last.txt'), resumeThreadId: null }),
      cwd: world.workspace, env: buildCodexEnv(world.env),
    },
    prompt: PROMPT, onStderr: (chunk) => appendFileSync(file, chunk),
  });
  let progress = initialProgress();
  let completedMs = NaN;
  for await (const line of codex.lines) {
    if (line.kind !== 'line') continue;
    const parsed = parseEventLine(line.text);
    if (parsed.ok) progress = foldEvent(progress, parsed.event);
    if (progress.completed && Number.isNaN(completedMs)) completedMs = performance.now() - start;
  }
  await codex.exited;
  const exitMs = performance.now() - start;
  watch.stop();
  return { firstRequestMs: watch.ms(), completedMs, exitMs };
}

await withWorld({}, async (world) => {
  await appServerTurn(world);
  await execTurn(world);
  const appServer: Timing[] = [];
  const exec: Timing[] = [];
  for (let i = 0; i < RUNS; i++) {
    // Alternate which goes first, so drift on a shared machine hits both equally.
    if (i % 2 === 0) {
      appServer.push(await appServerTurn(world));
      exec.push(await execTurn(world));
    } else {
      exec.push(await execTurn(world));
      appServer.push(await appServerTurn(world));
    }
  }
  for (const key of ['firstRequestMs', 'completedMs', 'exitMs'] as const) {
    log(`${key}: app-server ${mmm(summarize(appServer.map((t) => t[key])))}; exec ${mmm(summarize(exec.map((t) => t[key])))} (min / median / max of ${RUNS})`);
  }
});

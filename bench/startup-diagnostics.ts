// Diagnostics for the findings (not a measure): what the server's cold start,
// the runner's start-up and the runner's memory would be without some
// dependencies, or with V8's compile cache. Dependencies are replaced by empty
// stubs through a module hook (`--import`), so only loading them is saved; a
// "hook only" variant shows what the hook itself costs. Variants alternate.
import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ROOT, tempDir } from '../test/support/harness.ts';
import { SERVER_MAIN } from '../test/support/mcp-client.ts';
import { prepareBaseline } from './baseline.ts';
import { log, summarize, type Summary } from './lib.ts';
import { initialize, startRaw } from './stdio-rpc.ts';

const RUNS = 7;
const RUNNER_MAIN = path.join(ROOT, 'dist', 'runner', 'main.js');

// Empty stand-ins exporting the names the product imports (undici: request; execa: execa).
const HOOK = `import { registerHooks } from 'node:module';
const stubs = new Set((process.env.BENCH_STUB ?? '').split(',').filter(Boolean));
const body = 'const no = () => { throw new Error("stubbed by the bench"); };' +
  'export const request = no, fetch = no, Agent = class {}, setGlobalDispatcher = no, execa = no, execaNode = no, $ = no; export default { request: no };';
registerHooks({
  resolve(specifier, context, next) {
    if (stubs.has(specifier)) return { url: 'data:text/javascript,' + encodeURIComponent(body), format: 'module', shortCircuit: true };
    return next(specifier, context);
  },
});
`;

// Loads the runner's module graph (its bundle's chunks, as dist/runner/main.js does after starting
// Codex, without running a turn) and reports memory.
const RUNNER_GRAPH = `import { readdirSync } from 'node:fs';
const dir = ${JSON.stringify(path.join(ROOT, 'dist', 'runner'))};
for (const name of readdirSync(dir).filter((n) => /^bundle-\\w+\\.js$/.test(n))) await import(\`file://\${dir}/\${name}\`);
await new Promise((r) => setTimeout(r, 300));
const m = process.memoryUsage();
process.stdout.write(JSON.stringify({ rss: m.rss / 1048576, heapUsed: m.heapUsed / 1048576, heapTotal: m.heapTotal / 1048576 }));
`;
export interface Variant {
  name: string;
  wallMs?: Summary;
  rssMb?: number;
  heapTotalMb?: number;
  error?: string;
}

export interface StartupDiagnostics {
  serverColdStart: Variant[];
  runnerStart: Variant[];
  runnerMemory: Variant[];
}

function runToExit(args: string[], env: Record<string, string>): Promise<{ ms: number; stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (code) => resolve({ ms: performance.now() - t0, stdout, stderr, code }));
  });
}

async function coldStart(args: string[], env: Record<string, string>, cwd: string): Promise<number> {
  const server = startRaw(args, env, cwd);
  try {
    await initialize(server);
    const list = await server.request('tools/list', {});
    if (list.error) throw new Error(JSON.stringify(list.error));
    return list.at - server.spawnedAt;
  } finally {
    await server.close();
  }
}

export async function runStartupDiagnostics(env: Record<string, string>, cwd: string): Promise<StartupDiagnostics> {
  const dir = await tempDir('bench-diag');
  const baseline = await prepareBaseline();
  try {
    const hook = path.join(dir, 'stub-hook.mjs');
    const graph = path.join(dir, 'runner-graph.mjs');
    const cache = path.join(dir, 'compile-cache');
    await mkdir(cache, { recursive: true });
    await writeFile(hook, HOOK);
    await writeFile(graph, RUNNER_GRAPH);
    const withHook = (stub: string, args: string[]) => ({ args: ['--import', hook, ...args], env: { ...env, BENCH_STUB: stub } });

    // 1. Server cold start (spawn → tools/list answered).
    const server: { name: string; args: string[]; env: Record<string, string> }[] = [
      { name: 'bare SDK server (baseline)', args: baseline.args, env },
      { name: 'product', args: [SERVER_MAIN], env },
      { name: 'product, hook only (no stub)', ...withHook('', [SERVER_MAIN]) },
      { name: 'product, undici stubbed', ...withHook('undici', [SERVER_MAIN]) },
      { name: 'product, NODE_COMPILE_CACHE (warm)', args: [SERVER_MAIN], env: { ...env, NODE_COMPILE_CACHE: cache } },
    ];
    // 2. Runner start-up: spawn → exit after loading its whole module graph (it stops at the usage check).
    const runner: { name: string; args: string[]; env: Record<string, string> }[] = [
      { name: 'bare node -e 0', args: ['-e', '0'], env },
      { name: 'runner', args: [RUNNER_MAIN], env },
      { name: 'runner, hook only (no stub)', ...withHook('', [RUNNER_MAIN]) },
      { name: 'runner, undici stubbed', ...withHook('undici', [RUNNER_MAIN]) },
      { name: 'runner, undici + execa stubbed', ...withHook('undici,execa', [RUNNER_MAIN]) },
      { name: 'runner, NODE_COMPILE_CACHE (warm)', args: [RUNNER_MAIN], env: { ...env, NODE_COMPILE_CACHE: cache } },
    ];
    // Warm the compile cache (and the page cache) once.
    await coldStart([SERVER_MAIN], { ...env, NODE_COMPILE_CACHE: cache }, cwd).catch(() => 0);
    await runToExit([RUNNER_MAIN], { ...env, NODE_COMPILE_CACHE: cache });

    const serverTimes = new Map<string, number[]>();
    const serverErrors = new Map<string, string>();
    const runnerTimes = new Map<string, number[]>();
    const runnerErrors = new Map<string, string>();
    for (let i = 0; i < RUNS; i++) {
      for (const v of i % 2 ? [...server].reverse() : server) {
        try {
          const ms = await coldStart(v.args, v.env, cwd);
          serverTimes.set(v.name, [...(serverTimes.get(v.name) ?? []), ms]);
        } catch (error) {
          serverErrors.set(v.name, String(error).slice(0, 200));
        }
      }
      for (const v of i % 2 ? [...runner].reverse() : runner) {
        const r = await runToExit(v.args, v.env);
        // The runner must fail on its usage check, i.e. after loading everything; anything else is an error.
        if (v.name.startsWith('runner') && !r.stderr.includes('usage:')) runnerErrors.set(v.name, r.stderr.slice(0, 200));
        else runnerTimes.set(v.name, [...(runnerTimes.get(v.name) ?? []), r.ms]);
      }
    }
    const collect = (names: string[], times: Map<string, number[]>, errors: Map<string, string>): Variant[] =>
      names.map((name) => (errors.has(name) ? { name, error: errors.get(name)! } : { name, wallMs: summarize(times.get(name) ?? []) }));

    // 3. Runner memory after loading its module graph.
    const memory: { name: string; args: string[]; env: Record<string, string> }[] = [
      { name: 'bare node', args: ['-e', 'setTimeout(() => process.stdout.write(JSON.stringify({ rss: process.memoryUsage().rss / 1048576, heapTotal: process.memoryUsage().heapTotal / 1048576 })), 300)'], env },
      { name: 'runner graph', args: [graph], env },
      { name: 'runner graph, hook only', ...withHook('', [graph]) },
      { name: 'runner graph, undici + execa stubbed', ...withHook('undici,execa', [graph]) },
      { name: 'runner graph, --max-semi-space-size=1', args: ['--max-semi-space-size=1', graph], env },
      { name: 'runner graph, undici + execa stubbed, --max-semi-space-size=1', ...withHook('undici,execa', ['--max-semi-space-size=1', graph]) },
    ];
    const runnerMemory: Variant[] = [];
    for (const v of memory) {
      const samples: { rss: number; heapTotal: number }[] = [];
      let error: string | undefined;
      for (let i = 0; i < 2; i++) {
        const r = await runToExit(v.args, v.env);
        try {
          samples.push(JSON.parse(r.stdout));
        } catch {
          error = r.stderr.slice(0, 200);
        }
      }
      runnerMemory.push(
        error ? { name: v.name, error } : { name: v.name, rssMb: summarize(samples.map((s) => s.rss)).p50, heapTotalMb: summarize(samples.map((s) => s.heapTotal)).p50 },
      );
    }
    const result = {
      serverColdStart: collect(server.map((v) => v.name), serverTimes, serverErrors),
      runnerStart: collect(runner.map((v) => v.name), runnerTimes, runnerErrors),
      runnerMemory,
    };
    log(`diagnostics: ${[...result.serverColdStart, ...result.runnerStart].map((v) => `${v.name} ${v.wallMs?.p50.toFixed(0) ?? v.error}`).join('; ')}`);
    return result;
  } finally {
    await baseline.cleanup();
    await rm(dir, { recursive: true, force: true });
  }
}

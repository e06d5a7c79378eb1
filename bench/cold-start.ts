// Measure 2 — cold start: spawn → initialize answered → tools/list answered,
// the product's built server vs a bare MCP SDK server with five trivial tools,
// alternating in the same run.
import { readFileSync } from 'node:fs';
import { SERVER_MAIN } from '../test/support/mcp-client.ts';
import { prepareBaseline } from './baseline.ts';
import { log, mmm, round, summarize, withWorld, type MeasureResult } from './lib.ts';
import { initialize, startRaw } from './stdio-rpc.ts';

// 24 a side: on the shared 2-core machine the medians of 12 moved by ±0.1 in ratio between runs.
const RUNS = 24;
// Issue 12: the bundled server (scripts/build.ts) must start in at most 0.8× the bare SDK server's time.
const TARGET_RATIO = 0.8;

interface Start {
  initMs: number;
  listMs: number;
  tools: number;
  /** Resident set size right after `tools/list` was answered, MB. */
  rssMb: number;
}

function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return kb === undefined ? NaN : Number(kb) / 1024;
}

async function coldStart(args: string[], env: Record<string, string>, cwd: string): Promise<Start> {
  const server = startRaw(args, env, cwd);
  try {
    const init = await initialize(server);
    const list = await server.request('tools/list', {});
    if (list.error) throw new Error(`tools/list failed: ${JSON.stringify(list.error)}`);
    return { initMs: init.at - server.spawnedAt, listMs: list.at - server.spawnedAt, tools: list.result.tools.length, rssMb: rssMb(server.child.pid!) };
  } finally {
    await server.close();
  }
}

export async function measureColdStart(): Promise<MeasureResult> {
  const started = performance.now();
  const baseline = await prepareBaseline();
  try {
    return await withWorld({}, async (world) => {
      const product: Start[] = [];
      const bare: Start[] = [];
      // One unmeasured start of each first: the page cache then holds both dependency trees.
      await coldStart([SERVER_MAIN], world.env, world.workspace);
      await coldStart(baseline.args, world.env, world.workspace);
      for (let i = 0; i < RUNS; i++) {
        // Alternate which goes first, so drift on a noisy machine hits both equally.
        if (i % 2 === 0) {
          product.push(await coldStart([SERVER_MAIN], world.env, world.workspace));
          bare.push(await coldStart(baseline.args, world.env, world.workspace));
        } else {
          bare.push(await coldStart(baseline.args, world.env, world.workspace));
          product.push(await coldStart([SERVER_MAIN], world.env, world.workspace));
        }
      }
      const p = summarize(product.map((s) => s.listMs));
      const b = summarize(bare.map((s) => s.listMs));
      // Ratio per adjacent pair, so the min/median/max of the ratio is over paired runs.
      const ratios = summarize(product.map((s, i) => s.listMs / bare[i]!.listMs));
      const ratio = p.p50 / b.p50;
      log(`cold start: product ${mmm(p)}, baseline ${mmm(b)}, ratio of medians ${ratio.toFixed(2)}`);
      return {
        id: 'cold-start',
        name: '2. Cold start',
        how: `spawn → \`initialize\` → \`tools/list\` answered (raw JSON-RPC over stdio), built server vs bare SDK server with 5 trivial tools (\`bench/baseline-server.ts\`, types pre-stripped), alternating, ${RUNS} each after 1 warm-up each`,
        result: `ratio of medians **${ratio.toFixed(2)}** (paired ratios ${mmm(ratios, '', 2)}); product ${mmm(p)}, baseline ${mmm(b)} (min / median / max)`,
        target: `ratio ≤ ${TARGET_RATIO}`,
        met: ratio <= TARGET_RATIO,
        figures: {
          ratioOfMedians: round(ratio, 3),
          pairedRatio: ratios,
          productListMs: p,
          baselineListMs: b,
          productInitMs: summarize(product.map((s) => s.initMs)),
          baselineInitMs: summarize(bare.map((s) => s.initMs)),
          productRssMb: summarize(product.map((s) => s.rssMb)),
          baselineRssMb: summarize(bare.map((s) => s.rssMb)),
          productTools: product[0]?.tools,
          baselineTools: bare[0]?.tools,
        },
        notes: [
          `RSS right after tools/list: product ${mmm(summarize(product.map((s) => s.rssMb)), 'MB')}, baseline ${mmm(summarize(bare.map((s) => s.rssMb)), 'MB')}`,
          `initialize answered after ${mmm(summarize(product.map((s) => s.initMs)))} (product) vs ${mmm(summarize(bare.map((s) => s.initMs)))} (baseline); tools/list adds ${fmtDiff(product)} vs ${fmtDiff(bare)}`,
        ],
        durationMs: performance.now() - started,
      };
    });
  } finally {
    await baseline.cleanup();
  }
}

function fmtDiff(starts: Start[]): string {
  return `${summarize(starts.map((s) => s.listMs - s.initMs)).p50.toFixed(1)} ms (median)`;
}

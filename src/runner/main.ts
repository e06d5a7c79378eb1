// The runner entry: `main <state dir> <session id> <turn> [<input id>]`. See server/main.ts for why
// the Node.js check and the compile cache come first (a runner starts once per turn, so half of its
// start-up is compiling the same modules again; on a too-old Node.js its refusal lands in
// turn-N.runner.log, which reconcile quotes).
//
// Then, before the rest of the runner loads, Codex is started from the command the accepting
// server wrote for the turn, so Codex's start-up overlaps the runner's (issue 12). Everything this
// file imports uses Node's built-ins only; the runner proper loads after.
import module from 'node:module';
import { exitIfUnsupportedNode } from '../node-version.ts';
import { startEarlyCodex } from './early-codex.ts';
import { noteEarlySignals } from './early-signals.ts';

exitIfUnsupportedNode();
module.enableCompileCache?.();
noteEarlySignals();
const [home = '', sessionId = '', turn = '', inputId] = process.argv.slice(2);
const early = /^[1-9]\d*$/.test(turn) ? startEarlyCodex(home, sessionId, Number(turn), inputId) : undefined;
// Built, the rest of the runner is an esbuild chunk with a source map: stack traces in runner logs name src/ lines.
process.setSourceMapsEnabled?.(true);
const { runRunner } = await import('./run.ts');
await runRunner({ home, sessionId, turn, early });

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
import { processStartTime } from '../process/liveness.ts';
import { isRunnerSessionId, isTurnNumber, parseRunnerArgs, spawnDetachedRunner } from './runner-process.ts';

exitIfUnsupportedNode();
module.enableCompileCache?.();
noteEarlySignals();
const { home, sessionId, turn, inputId, siblings } = parseRunnerArgs(process.argv.slice(2));
// The runners of turns started together with ours come first (see start-runner.ts): the same
// entry, Node options and environment (which holds no secrets) as this one. They are our children
// but not our turn's: the end of our turn must not take them along (pid → start time).
const siblingRunners = new Map<number, string>();
const say = (message: string) => process.stderr.write(`${new Date().toISOString()} [runner ${process.pid}] ${message}\n`);
for (const sibling of siblings) {
  const failed = (error: Error) => say(`could not start the runner of ${sibling.sessionId} turn ${sibling.turn}: ${error.message}`);
  try {
    const pid = spawnDetachedRunner({ main: process.argv[1]!, nodeOptions: process.execArgv, home, env: process.env, onError: failed }, sibling);
    const started = pid === undefined ? null : processStartTime(pid);
    if (pid !== undefined && started !== null) siblingRunners.set(pid, started);
  } catch (error) {
    failed(error as Error);
  }
}
const early = isRunnerSessionId(sessionId) && isTurnNumber(turn) ? startEarlyCodex(home, sessionId, Number(turn), inputId) : undefined;
// Built, the rest of the runner is an esbuild chunk with a source map: stack traces in runner logs name src/ lines.
process.setSourceMapsEnabled?.(true);
const { runRunner } = await import('./run.ts');
await runRunner({ home, sessionId, turn, early, siblingRunners });

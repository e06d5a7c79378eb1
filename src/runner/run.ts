import { loadConfig } from '../config.ts';
import { errorMessage } from '../errors.ts';
import { makePaths } from '../store/paths.ts';
import { Registry } from '../store/registry.ts';
import { RUNNER_LOCK_WAIT_MS } from '../store/registry-lock.ts';
import { sweepPendingSettings, takeTurnEnv } from '../store/turn-input.ts';
import { runTurn } from './run-turn.ts';
import { STOP_SIGNALS, takeEarlySignal, unclaimedSignal } from './early-signals.ts';
import type { EarlyCodex } from './early-codex.ts';
import { runnerEnvironment } from './turn-command.ts';
import { isTurnNumber } from './runner-process.ts';
import { deliverLeftovers, reconcileAndStart } from './housekeeping.ts';
import { Notifier } from '../notify/notifier.ts';

/**
 * The detached runner: `main <state dir> <session id> <turn> [<input id>]` (main.ts is its entry).
 * Nothing secret is on this command line or in this process's environment (which
 * every process of the same user can read in /proc): the turn's configuration,
 * tokens included, comes from the file the accepting server wrote for it.
 */
const log = (message: string) => process.stderr.write(`${new Date().toISOString()} [runner ${process.pid}] ${message}\n`);

interface RunnerArgs {
  home: string;
  sessionId: string;
  turn: string;
  /** Codex as main.ts started it, before the turn was claimed; the turn adopts it or it is killed. */
  early: EarlyCodex | undefined;
  /** The runners of other turns main.ts started (pid → start time): not this turn's processes. */
  siblingRunners: ReadonlyMap<number, string>;
}

/** Runs the turn, then the housekeeping a finished turn owes (the queue, leftovers, archive); exits the process. */
export async function runRunner(args: RunnerArgs): Promise<void> {
  try {
    await main(args);
    process.exit(0);
  } catch (error) {
    args.early?.discard();
    // With its stack: nothing expected ends here, and the stack names src/ lines (source maps, main.ts).
    log(`runner failed: ${errorMessage(error)}${error instanceof Error && error.stack ? `\n${error.stack}` : ''}`);
    process.exit(1);
  }
}

async function main({ home, sessionId, turn: turnArg, early, siblingRunners }: RunnerArgs): Promise<void> {
  if (!home || !sessionId || !isTurnNumber(turnArg)) throw new Error('usage: runner <state dir> <session id> <turn> [<input id>]');
  const paths = makePaths(home);
  const registry = new Registry(paths, log, { lockWaitMs: RUNNER_LOCK_WAIT_MS });
  const turn = (await registry.getSession(sessionId))?.turns[Number(turnArg) - 1];
  const turnEnv = turn ? await takeTurnEnv(paths, sessionId, turn.turn, turn.inputId) : undefined;
  if (turn?.inputId && !turnEnv) log(`no settings file for turn ${turnArg} of ${sessionId}; using this runner's own environment`);
  const config = loadConfig(runnerEnvironment(turnEnv ?? process.env, home));
  const notifier = Notifier.fromConfig(config);
  const deps = { config, registry, paths, notifier, log, earlyStop: takeEarlySignal, early, siblingRunners };
  await runTurn(deps, sessionId, Number(turnArg));
  // A stop signal that no turn took (its claim failed) is obeyed now, before anything else starts.
  if (unclaimedSignal() !== null) process.exit(0);
  // The turn is over: a stop signal now means leave (the outbox's claims make an interrupted send safe).
  for (const signal of STOP_SIGNALS) {
    process.removeAllListeners(signal);
    process.on(signal, () => process.exit(0));
  }
  // Our slot is free: start what waits in the queue (even with no server running), and
  // finish what crashed runners left behind.
  await reconcileAndStart(deps);
  // Within the same budget as the turn's own messages, which starts when the turn ended: a runner
  // leaves within one notify budget, whatever the gateway does.
  const ended = (await registry.getSession(sessionId))?.turns[Number(turnArg) - 1]?.endedAt;
  if (notifier) await deliverLeftovers(deps, (ended ? Date.parse(ended) : Date.now()) + notifier.budgetMs);
  // Finished, settled sessions leave the live file, so its size follows what runs, not the history.
  await registry.archiveSettled().catch((error) => log(`archiving finished sessions: ${errorMessage(error)}`));
  await sweepPendingSettings(registry).catch((error) => log(`sweeping settings files: ${errorMessage(error)}`));
}

import type { Config } from '../config.ts';
import { errorMessage } from '../errors.ts';
import { startReadyTurns } from './scheduler.ts';
import type { Paths } from '../store/paths.ts';
import { reconcile } from '../store/reconcile.ts';
import type { Registry } from '../store/registry.ts';
import type { Notifier } from '../notify/notifier.ts';
import { deliverDue } from '../notify/outbox.ts';

export interface Housekeeper {
  config: Config;
  registry: Registry;
  paths: Paths;
  notifier: Notifier | null;
}

/**
 * What any process (server or runner) does when it looks at the registry:
 * mark turns whose runner died as interrupted (queueing their 💥), start
 * what waits in the queue, and send notifications a dead or exhausted
 * sender left behind. Each step is cheap when there is nothing to do.
 */
export async function reconcileAndStart(deps: Housekeeper): Promise<void> {
  const { notifier } = deps;
  await reconcile(deps.registry, notifier ? (session, turn, now) => notifier.enqueueFinal(session, turn, null, now) : undefined);
  await startReadyTurns(deps.config, deps.registry, deps.paths);
}

/**
 * The same, for tools that only read: what cannot be done now (a full disk, a
 * registry locked by a stopped process) is said in the answer's notices and left
 * to the next look, but never stops the answer itself.
 */
export async function reconcileAndStartBeforeRead(deps: Housekeeper): Promise<void> {
  try {
    await reconcileAndStart(deps);
  } catch (error) {
    deps.registry.notice(`Housekeeping (marking dead runs, starting queued turns) could not be done now: ${errorMessage(error)}`);
  }
}

/** Bounded like a runner's own delivery, so a hanging gateway never keeps a process for one send after another. */
export async function deliverLeftovers(deps: Housekeeper, until?: number): Promise<void> {
  if (deps.notifier) await deliverDue(deps.registry, deps.notifier, { until: until ?? Date.now() + deps.notifier.budgetMs });
}

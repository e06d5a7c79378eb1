import { watch, type FSWatcher } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { EngineTurn } from '../codex/engine.ts';
import { errorMessage } from '../errors.ts';
import type { Paths } from '../store/paths.ts';
import type { Registry } from '../store/registry.ts';
import { findTurn, STEER_TOO_LATE } from '../store/transitions.ts';
import type { ApprovalAnswer } from '../store/session.ts';
import type { ApprovalDecision } from '../codex/engine.ts';

const ENGINE_DECISION: Record<ApprovalAnswer, ApprovalDecision> = { approve: 'accept', approve_for_session: 'acceptForSession', deny: 'decline' };

/** The fallback when the file watch misses a change (it can, e.g. on some network file systems). */
const POLL_MS = 200;

/**
 * What the server asks of a running turn reaches its runner through the
 * registry: codex_steer records a steer (its text in a 0600 file) and the
 * runner, watching the registry file, hands it to Codex and records when.
 * Persist first, deliver after: a steer survives a server restart, and the
 * runner delivers each one once (it remembers what it took, and a runner that
 * dies takes the turn with it).
 */
/** How long the end of a turn waits for a steer or an answer already on its way to be recorded. */
const STOP_WAIT_MS = 5000;

export class TurnInbox {
  readonly #registry: Registry;
  readonly #paths: Paths;
  readonly #sessionId: string;
  readonly #turn: number;
  readonly #engine: EngineTurn;
  readonly #log: (message: string) => void;
  readonly #taken = new Set<string>();
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  #checking = false;
  #again = false;
  #stopped = false;

  constructor(deps: { registry: Registry; paths: Paths; log: (message: string) => void }, target: { sessionId: string; turn: number }, engine: EngineTurn) {
    this.#registry = deps.registry;
    this.#paths = deps.paths;
    this.#sessionId = target.sessionId;
    this.#turn = target.turn;
    this.#engine = engine;
    this.#log = deps.log;
  }

  start(): void {
    const registryName = path.basename(this.#paths.registry);
    try {
      // The registry is replaced by a rename on every change: watch its folder, not the file.
      this.#watcher = watch(path.dirname(this.#paths.registry), { persistent: false }, (_event, name) => {
        if (name === null || name === registryName) this.check();
      });
      this.#watcher.on('error', () => this.#watcher?.close());
    } catch (error) {
      this.#log(`inbox: no file watch (${errorMessage(error)}); polling every ${POLL_MS} ms`);
    }
    this.#timer = setInterval(() => this.check(), POLL_MS);
    this.#timer.unref();
    this.check();
  }

  /** Stops looking; resolves once deliveries already under way have recorded how they went. */
  stop(): Promise<void> {
    this.#stopped = true;
    this.#watcher?.close();
    clearInterval(this.#timer);
    // Bounded: an engine that is gone answers nothing, and the turn must still end.
    const settled = Promise.allSettled([...this.#inFlight]).then(() => undefined);
    return Promise.race([settled, new Promise<void>((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref())]);
  }

  /** Deliveries started and not yet recorded: the turn's end waits for them, so "delivered" and "refused" never race. */
  readonly #inFlight = new Set<Promise<void>>();

  #track(delivery: Promise<void>): void {
    this.#inFlight.add(delivery);
    void delivery.finally(() => this.#inFlight.delete(delivery));
  }

  /** Looks for work; calls that come while a look is under way make one more look after it. */
  check(): void {
    if (this.#stopped) return;
    if (this.#checking) {
      this.#again = true;
      return;
    }
    this.#checking = true;
    void this.#look()
      .catch((error) => this.#log(`inbox: ${errorMessage(error)}`))
      .finally(() => {
        this.#checking = false;
        if (this.#again) {
          this.#again = false;
          this.check();
        }
      });
  }

  async #look(): Promise<void> {
    const found = findTurn(await this.#registry.read(), this.#sessionId, this.#turn);
    if (!found) return;
    for (const steer of found.turn.steers) {
      if (steer.deliveredAt !== null || this.#taken.has(steer.id)) continue;
      this.#taken.add(steer.id);
      this.#track(this.#deliverSteer(steer.id));
    }
    for (const request of found.turn.approvalRequests) {
      if (request.decision === null || request.deliveredAt !== null || this.#taken.has(`approval:${request.requestId}`)) continue;
      this.#taken.add(`approval:${request.requestId}`);
      this.#track(this.#deliverAnswer(request.requestId, request.engineId, request.decision));
    }
  }

  async #deliverAnswer(requestId: string, engineId: string, decision: ApprovalAnswer): Promise<void> {
    try {
      await this.#engine.answerApproval(engineId, ENGINE_DECISION[decision]);
    } catch (error) {
      this.#log(`approval ${requestId}: the answer was not delivered: ${errorMessage(error)}`);
      return;
    }
    const at = new Date().toISOString();
    await this.#registry.update((data) => {
      const request = findTurn(data, this.#sessionId, this.#turn)?.turn.approvalRequests.find((r) => r.requestId === requestId);
      if (request && request.deliveredAt === null) request.deliveredAt = at;
    });
    this.#log(`approval ${requestId}: ${decision} delivered`);
  }

  async #deliverSteer(id: string): Promise<void> {
    const file = this.#paths.steerFile(this.#sessionId, this.#turn, id);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      this.#log(`steer ${id}: its text cannot be read (${errorMessage(error)}); not delivered`);
      return;
    }
    try {
      await this.#engine.steer(text);
    } catch (error) {
      this.#log(`steer ${id} was not delivered: ${errorMessage(error)}`);
      // Said, not dropped: the caller and codex_status learn that it never reached Codex.
      await this.#registry.update((data) => {
        const steer = findTurn(data, this.#sessionId, this.#turn)?.turn.steers.find((s) => s.id === id);
        if (steer && steer.deliveredAt === null) steer.refused ??= STEER_TOO_LATE;
      });
      await rm(file, { force: true });
      return;
    }
    const at = new Date().toISOString();
    await this.#registry.update((data) => {
      const steer = findTurn(data, this.#sessionId, this.#turn)?.turn.steers.find((s) => s.id === id);
      if (steer && steer.deliveredAt === null) {
        steer.deliveredAt = at;
        steer.refused = null; // Codex has it: delivered wins over a refusal recorded meanwhile.
      }
    });
    await rm(file, { force: true });
    this.#log(`steer ${id} delivered (${text.length} characters)`);
  }
}

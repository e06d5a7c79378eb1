import { randomBytes } from 'node:crypto';
import type { ApprovalRequest } from '../codex/engine.ts';
import { errorMessage } from '../errors.ts';
import type { Notifier } from '../notify/notifier.ts';
import { deliverDue } from '../notify/outbox.ts';
import type { Registry } from '../store/registry.ts';
import type { ApprovalRecord } from '../store/session.ts';
import { findTurn } from '../store/transitions.ts';

/**
 * Where a turn's approval requests (approvals: "ask") become records a person
 * can answer: persisted in the turn (codex_status shows them), announced with a
 * ❓ chat message and an agent wake through the outbox, and denied when nobody
 * answers in time. Answers travel back through the TurnInbox.
 */
export class ApprovalDesk {
  readonly #registry: Registry;
  readonly #notifier: Notifier | null;
  readonly #log: (message: string) => void;
  readonly #sessionId: string;
  readonly #turn: number;
  readonly #timeoutMs: number;
  readonly #onDecided: () => void;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(
    deps: { registry: Registry; notifier: Notifier | null; log: (message: string) => void },
    target: { sessionId: string; turn: number; timeoutSeconds: number },
    onDecided: () => void,
  ) {
    this.#registry = deps.registry;
    this.#notifier = deps.notifier;
    this.#log = deps.log;
    this.#sessionId = target.sessionId;
    this.#turn = target.turn;
    this.#timeoutMs = target.timeoutSeconds * 1000;
    this.#onDecided = onDecided;
  }

  /** Persists the request and its messages in one write, then sends them. */
  async add(request: ApprovalRequest, activity: string): Promise<void> {
    const now = Date.now();
    const record: ApprovalRecord = {
      requestId: randomBytes(4).toString('hex'),
      engineId: request.id,
      kind: request.kind,
      command: request.command,
      cwd: request.cwd,
      reason: request.reason,
      files: request.files,
      requestedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + this.#timeoutMs).toISOString(),
      decision: null,
      decidedBy: null,
      decidedAt: null,
      note: null,
      deliveredAt: null,
    };
    await this.#registry.update((data) => {
      const found = findTurn(data, this.#sessionId, this.#turn);
      if (!found) return;
      found.turn.approvalRequests.push(record);
      found.turn.activity = activity;
      this.#notifier?.enqueueApproval(found.session, found.turn, record, record.requestedAt);
    });
    this.#log(`approval request ${record.requestId} (${record.kind}${record.command ? `: ${record.command}` : ''}) waits for an answer until ${record.expiresAt}`);
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.#expire(record.requestId).catch((error) => this.#log(`approval ${record.requestId}: ${errorMessage(error)}`));
    }, this.#timeoutMs);
    this.#timers.add(timer);
    this.#send();
  }

  stop(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  /** Nobody answered: denied, and the chat is told. The inbox hands the denial to Codex. */
  async #expire(requestId: string): Promise<void> {
    const expired = await this.#registry.update((data) => {
      const found = findTurn(data, this.#sessionId, this.#turn);
      const request = found?.turn.approvalRequests.find((r) => r.requestId === requestId);
      if (!found || !request || request.decision !== null) return false;
      const now = new Date().toISOString();
      Object.assign(request, { decision: 'deny', decidedBy: 'expiry', decidedAt: now });
      this.#notifier?.enqueueApprovalExpired(found.session, found.turn, request, now);
      return true;
    });
    if (!expired) return;
    this.#log(`approval request ${requestId} expired unanswered: denied`);
    this.#onDecided();
    this.#send();
  }

  #send(): void {
    if (!this.#notifier) return;
    deliverDue(this.#registry, this.#notifier, { sessionId: this.#sessionId }).catch((error) => this.#log(`notify: ${errorMessage(error)}`));
  }
}

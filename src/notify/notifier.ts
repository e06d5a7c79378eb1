import type { Config } from '../config.ts';
import type { ApprovalRecord, Route, Session, Turn } from '../store/session.ts';
import { GatewayClient, type Delivery } from './gateway-client.ts';
import { approvalExpiredMessage, approvalMessage, approvalWakeMessage, finalMessage, launchMessage, wakeMessage } from './messages.ts';
import { resolveCredentials } from './openclaw-config.ts';
import { enqueue, enqueueApprovalEntry, type Send, type Sender } from './outbox.ts';

/** Sends what the outbox holds to OpenClaw: chat messages through the `message` tool, wakes through hooks. */
export class Notifier implements Sender {
  readonly gateway: GatewayClient;
  readonly #wakeMode: Config['gateway']['wake'];

  constructor(gateway: GatewayClient, wakeMode: Config['gateway']['wake']) {
    this.gateway = gateway;
    this.#wakeMode = wakeMode;
  }

  /** Null when no OpenClaw token is configured at all: then everything works by polling only. */
  static fromConfig(config: Config): Notifier | null {
    const credentials = resolveCredentials(config);
    if (!credentials.token && !credentials.hooksToken) return null;
    return new Notifier(new GatewayClient(credentials, config.gateway.requestTimeoutMs), config.gateway.wake);
  }

  get requestTimeoutMs(): number {
    return this.gateway.timeoutMs;
  }

  /**
   * How long a runner keeps delivering its turn's messages once the turn has ended, then leaves
   * them to whichever process looks next: room for a 📡 or 🚀 still in flight, the final and the
   * wake, each at its full request deadline, and one more for what a loaded machine adds in
   * between (4 minutes by default). With exactly three, a wake behind a hanging gateway did not
   * fit on a busy machine and waited for the next process to look.
   */
  get budgetMs(): number {
    return 4 * this.requestTimeoutMs;
  }

  /** Chat messages need a route with a channel and the gateway token. */
  chatRoute(turn: Turn): Route | null {
    return turn.notify && this.gateway.canMessage ? turn.notify : null;
  }

  enqueueLaunch(session: Session, turn: Turn, now: string): void {
    if (this.chatRoute(turn)) enqueue(session, turn, 'launch', launchMessage(session, turn), now);
  }

  /** The final chat message and the agent wake: two entries, each with its own retries. */
  enqueueFinal(session: Session, turn: Turn, text: string | null, now: string): void {
    if (!turn.notify) return;
    if (this.chatRoute(turn)) enqueue(session, turn, 'final', finalMessage(session, turn, text), now);
    if (this.gateway.canWake || this.#wakeMode === 'sessions_send') enqueue(session, turn, 'wake', wakeMessage(session, turn, text), now, this.#wakeMode);
  }

  /** A ❓ chat message for one approval request, and the agent woken to answer it. */
  enqueueApproval(session: Session, turn: Turn, request: ApprovalRecord, now: string): void {
    if (!turn.notify) return;
    if (this.chatRoute(turn)) enqueueApprovalEntry(session, turn, 'approval', request.requestId, approvalMessage(session, turn, request), now);
    if (this.gateway.canWake || this.#wakeMode === 'sessions_send') {
      enqueueApprovalEntry(session, turn, 'approval_wake', request.requestId, approvalWakeMessage(session, turn, request), now, { via: this.#wakeMode });
    }
  }

  /** Tells the chat that a request nobody answered was denied. */
  enqueueApprovalExpired(session: Session, turn: Turn, request: ApprovalRecord, now: string): void {
    if (this.chatRoute(turn)) enqueueApprovalEntry(session, turn, 'approval', request.requestId, approvalExpiredMessage(session, turn, request), now, { suffix: 'expired' });
  }

  sendChat(route: Route, message: string, signal?: AbortSignal): Promise<Delivery> {
    return this.gateway.invoke('message', messageArgs(route, message), signal);
  }

  /** Replaces the text of a message sent earlier (the `message` tool's `edit` action). */
  editChat(route: Route, messageId: string, message: string, signal?: AbortSignal): Promise<Delivery> {
    return this.gateway.invoke('message', { ...messageArgs(route, message), action: 'edit', messageId }, signal);
  }

  readonly send: Send = async (session, entry, signal) => {
    const route = session.turns[entry.turn - 1]?.notify;
    if (!route) return { ok: false, httpStatus: null, error: 'the turn has no notification route', retryable: false, unknown: false, body: null };
    if (entry.kind !== 'wake' && entry.kind !== 'approval_wake') return this.sendChat(route, entry.text, signal);
    // The key makes a retry return the same agent run: one per turn end, one per approval request.
    const key = entry.kind === 'wake' ? `${session.id}:${entry.turn}` : `${session.id}:${entry.turn}:approval:${entry.requestId}`;
    return this.#wake(route, key, entry.text, entry.via ?? this.#wakeMode, signal);
  };

  async #wake(route: Route, key: string, text: string, via: Config['gateway']['wake'], signal?: AbortSignal): Promise<Delivery & { warning?: string }> {
    if (via === 'sessions_send' && route.sessionKey) {
      return this.gateway.invoke('sessions_send', { sessionKey: route.sessionKey, message: text, timeoutSeconds: 0 }, signal);
    }
    if (!route.sessionKey) return this.gateway.hook('/hooks/wake', mainSessionWakeBody(text), undefined, signal);
    // A retry with the same key returns the same run instead of starting a second one.
    const agent = await this.gateway.hook('/hooks/agent', agentWakeBody(route.sessionKey, text), key, signal);
    if (agent.httpStatus !== 400) return agent;
    // OpenClaw's default config refuses caller-chosen session keys (400): wake the main session instead.
    const fallback = await this.gateway.hook('/hooks/wake', mainSessionWakeBody(text), undefined, signal);
    return {
      ...fallback,
      warning:
        `OpenClaw refused to wake session "${route.sessionKey}" (${agent.error}); the main session was woken instead. ` +
        'To wake the asking conversation, set hooks.allowRequestSessionKey: true and hooks.allowedSessionKeyPrefixes: ["agent:"] in openclaw.json.',
    };
  }
}

/** `message` tool arguments for a chat send (the shape the contract test checks against a real gateway). */
export function messageArgs(route: Route, message: string): Record<string, unknown> {
  return {
    action: 'send',
    channel: route.channel,
    target: route.target,
    ...(route.threadId ? { threadId: route.threadId } : {}),
    ...(route.silent ? { silent: true } : {}),
    message,
  };
}

/** Wake the very conversation that asked: a persistent turn in its session, now. */
export function agentWakeBody(sessionKey: string, text: string): Record<string, unknown> {
  return { message: text, name: 'Codex', sessionKey, sessionMode: 'persistent', wakeMode: 'now' };
}

/** A system event for the main session; works with OpenClaw's default hooks config. */
export function mainSessionWakeBody(text: string): Record<string, unknown> {
  return { text, mode: 'now' };
}

/** The platform id of a sent message, where the gateway reports one (needed to edit it later). */
export function sentMessageId(body: unknown): string | null {
  const details = (body as { result?: { details?: Record<string, any> } } | null)?.result?.details;
  const id = details?.result?.messageId ?? details?.messageDelivery?.primaryPlatformMessageId ?? details?.messageId;
  return id === undefined || id === null ? null : String(id);
}

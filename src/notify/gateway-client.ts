import { errorMessage } from '../errors.ts';
import type { GatewayCredentials } from './openclaw-config.ts';
import { watchRequestSent } from './request-sent.ts';

/** The outcome of one HTTP call to the gateway, in the terms the outbox needs. */
export interface Delivery {
  ok: boolean;
  httpStatus: number | null;
  error: string | null;
  /** Worth trying again later: the request never reached the gateway, 429 or 5xx. Other 4xx never are. */
  retryable: boolean;
  /**
   * The request was written in full but no answer came before the deadline: the gateway may
   * have acted on it (a channel can deliver and answer late), so sending it again could make
   * a duplicate. Never true for a request the gateway deduplicates (an idempotency key).
   */
  unknown: boolean;
  body: unknown;
}

// Channels throttle (Telegram ~1 message/s per chat) and the call returns once the message is sent.
const REQUEST_TIMEOUT_MS = 60_000;

type Undici = typeof import('undici');

/** A thin client for OpenClaw's HTTP gateway: chat tools and hooks. Every request has one overall deadline. */
export class GatewayClient {
  readonly #credentials: GatewayCredentials;
  readonly timeoutMs: number;
  #undici: Promise<{ request: Undici['request']; agent: InstanceType<Undici['Agent']> }> | undefined;

  constructor(credentials: GatewayCredentials, timeoutMs = REQUEST_TIMEOUT_MS) {
    this.#credentials = credentials;
    this.timeoutMs = timeoutMs;
  }

  get canMessage(): boolean {
    return this.#credentials.token !== undefined;
  }

  get canWake(): boolean {
    return this.#credentials.hooksToken !== undefined;
  }

  /**
   * POST /tools/invoke with the gateway token. A 200 whose body says `status: "error"` is a failure too.
   * `signal` can end the request sooner than the client's own deadline (a caller's budget).
   */
  async invoke(tool: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<Delivery> {
    const delivery = await this.#post('/tools/invoke', this.#credentials.token, { tool, args }, {}, signal);
    const status = (delivery.body as { result?: { details?: { status?: unknown }; status?: unknown } } | null)?.result;
    const bodyStatus = status?.details?.status ?? status?.status;
    if (delivery.ok && bodyStatus === 'error') {
      return { ...delivery, ok: false, retryable: false, error: `${tool} answered status "error"` };
    }
    return delivery;
  }

  /** With an idempotency key the gateway runs a repeated request once, so a timed-out one is simply retried. */
  async hook(path: '/hooks/agent' | '/hooks/wake', body: Record<string, unknown>, idempotencyKey?: string, signal?: AbortSignal): Promise<Delivery> {
    const headers: Record<string, string> = idempotencyKey ? { 'idempotency-key': idempotencyKey } : {};
    return this.#post(path, this.#credentials.hooksToken, body, headers, signal);
  }

  async #post(path: string, token: string | undefined, body: unknown, headers: Record<string, string>, signal?: AbortSignal): Promise<Delivery> {
    if (!token) return { ok: false, httpStatus: null, error: 'no token configured', retryable: false, unknown: false, body: null };
    const idempotent = 'idempotency-key' in headers;
    // One deadline for the whole exchange: undici's headersTimeout/bodyTimeout are per phase
    // and a trickling body resets the latter, so they alone never bound a request.
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const started = Date.now();
    const waited = () => seconds(Date.now() - started);
    let sent = false;
    let httpStatus: number | null = null;
    try {
      const { request, agent } = await this.#loadUndici();
      const response = await request(new URL(path, this.#credentials.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
        body: JSON.stringify(body),
        signal: signal ? AbortSignal.any([deadline, signal]) : deadline,
        dispatcher: agent.compose(watchRequestSent(() => (sent = true))),
        // A send that must not be repeated never rides a kept-alive socket the gateway may have closed
        // meanwhile: that is the one case where "sent, then the connection closed" would be harmless.
        reset: !idempotent,
      });
      httpStatus = response.statusCode;
      // The status is the gateway's verdict; a body that never ends must not hold the request past its deadline.
      const text = await response.body.text().catch(() => '');
      return answered(response.statusCode, text);
    } catch (error) {
      if (httpStatus !== null) return answered(httpStatus, '');
      if (!sent) {
        const why = deadline.aborted || signal?.aborted ? `could not reach the gateway within ${waited()}` : errorMessage(error);
        return { ok: false, httpStatus: null, error: `${why}; the request was not sent, so it will be tried again`, retryable: true, unknown: false, body: null };
      }
      if (idempotent) {
        return { ok: false, httpStatus: null, error: `no answer within ${waited()}; tried again with the same idempotency key, which the gateway runs once`, retryable: true, unknown: false, body: null };
      }
      // Sent in full, then no answer (a timeout, or the connection closed under it): the gateway may have
      // delivered it. A message without an idempotency key is never sent twice; it is recorded as unknown.
      const what = deadline.aborted || signal?.aborted ? `no answer within ${waited()}` : `the connection closed without an answer (${errorMessage(error)})`;
      return {
        ok: false, httpStatus: null, retryable: false, unknown: true, body: null,
        error: `${what} after the request was sent: it may have been delivered, so it is not sent again (check the chat)`,
      };
    }
  }

  // Loaded on first use: most runs never notify, and undici is the largest part of a cold start.
  #loadUndici() {
    this.#undici ??= import('undici').then(({ request, Agent }) => ({ request, agent: new Agent() }));
    return this.#undici;
  }
}

function answered(status: number, text: string): Delivery {
  const parsed = parseJson(text);
  const ok = status >= 200 && status < 300;
  return {
    ok,
    httpStatus: status,
    error: ok ? null : describeError(parsed, text, status),
    retryable: status === 429 || status >= 500,
    unknown: false,
    body: parsed,
  };
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function describeError(parsed: unknown, text: string, status: number): string {
  const error = (parsed as { error?: unknown } | null)?.error;
  const message = typeof error === 'string' ? error : (error as { message?: string } | undefined)?.message;
  return `HTTP ${status}: ${(message ?? text).slice(0, 300) || 'no details'}`;
}

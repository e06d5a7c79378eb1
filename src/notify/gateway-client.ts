import { errorMessage } from '../errors.ts';
import type { GatewayCredentials } from './openclaw-config.ts';

/** The outcome of one HTTP call to the gateway, in the terms the outbox needs. */
export interface Delivery {
  ok: boolean;
  httpStatus: number | null;
  error: string | null;
  /** Worth trying again later: network trouble, 429 or 5xx. Other 4xx never are. */
  retryable: boolean;
  body: unknown;
}

// Channels throttle (Telegram ~1 message/s per chat) and the call returns once the message is sent.
const REQUEST_TIMEOUT_MS = 60_000;

/** A thin client for OpenClaw's HTTP gateway: chat tools and hooks. */
export class GatewayClient {
  readonly #credentials: GatewayCredentials;
  readonly #timeoutMs: number;

  constructor(credentials: GatewayCredentials, timeoutMs = REQUEST_TIMEOUT_MS) {
    this.#credentials = credentials;
    this.#timeoutMs = timeoutMs;
  }

  get canMessage(): boolean {
    return this.#credentials.token !== undefined;
  }

  get canWake(): boolean {
    return this.#credentials.hooksToken !== undefined;
  }

  /** POST /tools/invoke with the gateway token. A 200 whose body says `status: "error"` is a failure too. */
  async invoke(tool: string, args: Record<string, unknown>): Promise<Delivery> {
    const delivery = await this.#post('/tools/invoke', this.#credentials.token, { tool, args });
    const status = (delivery.body as { result?: { details?: { status?: unknown }; status?: unknown } } | null)?.result;
    const bodyStatus = status?.details?.status ?? status?.status;
    if (delivery.ok && bodyStatus === 'error') {
      return { ...delivery, ok: false, retryable: false, error: `${tool} answered status "error"` };
    }
    return delivery;
  }

  async hook(path: '/hooks/agent' | '/hooks/wake', body: Record<string, unknown>, idempotencyKey?: string): Promise<Delivery> {
    return this.#post(path, this.#credentials.hooksToken, body, idempotencyKey ? { 'idempotency-key': idempotencyKey } : {});
  }

  async #post(path: string, token: string | undefined, body: unknown, headers: Record<string, string> = {}): Promise<Delivery> {
    if (!token) return { ok: false, httpStatus: null, error: 'no token configured', retryable: false, body: null };
    try {
      // Loaded on first use: most runs never notify, and undici is the largest part of a cold start.
      const { request } = await import('undici');
      const response = await request(new URL(path, this.#credentials.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
        body: JSON.stringify(body),
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
      });
      const text = await response.body.text();
      const parsed = parseJson(text);
      const ok = response.statusCode >= 200 && response.statusCode < 300;
      return {
        ok,
        httpStatus: response.statusCode,
        error: ok ? null : describeError(parsed, text, response.statusCode),
        retryable: response.statusCode === 429 || response.statusCode >= 500,
        body: parsed,
      };
    } catch (error) {
      return { ok: false, httpStatus: null, error: errorMessage(error), retryable: true, body: null };
    }
  }
}

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

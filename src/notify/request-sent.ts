import type { Dispatcher } from 'undici';

/**
 * An undici interceptor that notes when the request has been fully written to the
 * socket. That is the line between "never reached the gateway, safe to send again"
 * and "the gateway may have acted on it" when no answer comes.
 */
export function watchRequestSent(onSent: () => void): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (options, handler) => dispatch(options, new SentWatcher(handler, onSent));
}

/** Passes every callback through; only `onRequestSent` is looked at on the way. */
class SentWatcher implements Dispatcher.DispatchHandler {
  readonly #inner: Dispatcher.DispatchHandler;
  readonly #onSent: () => void;

  constructor(inner: Dispatcher.DispatchHandler, onSent: () => void) {
    this.#inner = inner;
    this.#onSent = onSent;
  }

  onRequestSent(): void {
    this.#onSent();
    this.#inner.onRequestSent?.();
  }

  onRequestStart(...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onRequestStart']>>) {
    return this.#inner.onRequestStart?.(...args);
  }
  onRequestUpgrade(...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onRequestUpgrade']>>) {
    return this.#inner.onRequestUpgrade?.(...args);
  }
  onResponseStart(...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseStart']>>) {
    return this.#inner.onResponseStart?.(...args);
  }
  onResponseData(...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseData']>>) {
    return this.#inner.onResponseData?.(...args);
  }
  onResponseEnd(...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseEnd']>>) {
    return this.#inner.onResponseEnd?.(...args);
  }
  onResponseError(...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseError']>>) {
    return this.#inner.onResponseError?.(...args);
  }
  onResponseStarted(): void {
    this.#inner.onResponseStarted?.();
  }
  onBodySent(chunk: Buffer): void {
    this.#inner.onBodySent?.(chunk);
  }
}

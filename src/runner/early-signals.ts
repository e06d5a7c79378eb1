/**
 * From the runner's first moment: a cancel that signals the runner before its
 * turn installs its own handlers (while it loads, or right after its claim)
 * must end the turn as cancelled, not kill the runner (interrupted).
 */
export const STOP_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

let earlySignal: string | null = null;
let handedOver = false;
const noteEarlySignal = (received: NodeJS.Signals) => {
  earlySignal ??= received;
};

export function noteEarlySignals(): void {
  for (const signal of STOP_SIGNALS) process.on(signal, noteEarlySignal);
}

/** Handed to the turn once its own handlers are in place: from then on a signal is the turn's to act on. */
export function takeEarlySignal(): string | null {
  stopNoting();
  handedOver = true;
  return earlySignal;
}

/** A stop signal that no turn took (its claim failed, or it never got that far). */
export function unclaimedSignal(): string | null {
  stopNoting();
  return handedOver ? null : earlySignal;
}

function stopNoting(): void {
  for (const signal of STOP_SIGNALS) process.off(signal, noteEarlySignal);
}

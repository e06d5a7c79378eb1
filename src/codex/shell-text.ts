/**
 * Text helpers for showing Codex's commands to people. fold-events.ts has
 * private copies of the same two functions; they can import these instead.
 */

/** Codex reports commands as `/bin/bash -lc '<command>'`; people want to read `<command>`. */
export function unwrapShell(command: string): string {
  const match = /^(?:\/\S*\/)?(?:ba|z)?sh -l?c '((?:[^']|'\\'')*)'$/.exec(command);
  return match ? match[1]!.replaceAll("'\\''", "'") : command;
}

/** One line of at most `max` characters. */
export function shorten(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

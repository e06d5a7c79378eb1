/** One line of Codex's output as JSON, or why it is not. Never throws: bad lines are reported, not fatal. */
export type JsonLine = { ok: true; json: unknown; text: string } | { ok: false; reason: string };

export function parseJsonLine(line: string): JsonLine {
  const text = line.trim();
  if (text === '') return { ok: false, reason: 'empty line' };
  try {
    return { ok: true, json: JSON.parse(text), text };
  } catch {
    return { ok: false, reason: `not JSON: ${preview(text)}` };
  }
}

/** The start of a line, for a log message about it. */
export function preview(text: string): string {
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

/**
 * Text from callers (label, cwd, model, cancel reason) and from Codex (answer, errors,
 * commands, file names) goes into chat messages that also carry our own status lines.
 * These pure functions make sure such text can only ever read as what it is: it cannot
 * start a line of its own where we write one line, cannot reorder what is shown with
 * direction controls, and cannot pass for one of our 🚀 / ✅ lines.
 */

// Direction marks, embeddings, overrides and isolates, and the Arabic letter mark: they reorder what is shown.
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
// C0 and C1 controls, DEL; tab and line feed are handled by the callers below.
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/gu;
// Everything a renderer may treat as a line break.
const LINE_BREAKS = /\r\n|[\r\n\u000b\u000c\u0085\u2028\u2029]/gu;
// What the channel's markdown would turn into emphasis, code or a link (OpenClaw renders markdown for Telegram).
const MARKUP = /[\\`*_[\]~|]/gu;

/** The icons our own status lines start with. */
export const STATUS_ICONS = ['🚀', '📡', '✅', '❌', '⏰', '🛑', '💥', '❓', '❔'] as const;
// A line that would show one of our icons first: only blanks, invisible marks and markdown prefixes before it.
const LOOKS_LIKE_STATUS = new RegExp(`^[\\s\\p{Cf}\\p{M}>*_#\`~|+-]*(?:${STATUS_ICONS.join('|')})`, 'u');

/** One line of plain text: breaks and tabs become spaces, controls and direction marks go, at most `max` characters. */
export function plainLine(text: string, max = 300): string {
  const line = text.replace(LINE_BREAKS, ' ').replace(/\t/gu, ' ').replace(CONTROLS, '').replace(BIDI, '').replace(/\s+/gu, ' ').trim();
  if (line.length <= max) return line;
  return `${[...line].slice(0, max - 1).join('')}…`; // By code point, so no emoji is cut in half.
}

/** A title inside a chat line (label, cwd, model, activity, a file name): one line, with no markup the channel would render. */
export function chatTitle(text: string, max = 300): string {
  return plainLine(text, max).replace(MARKUP, (char) => `\\${char}`);
}

/**
 * A body of several lines (an answer preview, an error): line breaks kept, controls and
 * direction marks removed, and a line that would look like one of our status lines quoted.
 */
export function chatBody(text: string): string {
  return text
    .replace(LINE_BREAKS, '\n')
    .replace(CONTROLS, '')
    .replace(BIDI, '')
    .split('\n')
    .map((line) => (LOOKS_LIKE_STATUS.test(line) ? `> ${line}` : line))
    .join('\n');
}

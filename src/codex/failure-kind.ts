/**
 * Recognises Codex's usage- and rate-limit failures. Codex reports them only
 * as text in `turn.failed` / `error` events (no code in its JSON), so this is
 * the one place that reads message text, with the phrasings Codex 0.171 uses.
 */
const LIMIT_PATTERNS = [/usage limit/i, /rate limit/i, /\b429 Too Many Requests\b/i, /quota exceeded/i];

export interface LimitFailure {
  /** When Codex says the limit resets, as it says it (e.g. "11:37 AM"); null when it does not say. */
  resetsAt: string | null;
}

export function recognizeLimit(message: string): LimitFailure | null {
  if (!LIMIT_PATTERNS.some((pattern) => pattern.test(message))) return null;
  const at = /try again (?:at|in) ([^.]+?)\.?$/i.exec(message.trim());
  return { resetsAt: at?.[1] && !/^later$/i.test(at[1]) ? at[1] : null };
}

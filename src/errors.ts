/**
 * Errors a person can act on. Every message is a full sentence that says what
 * went wrong and what to do; `code` lets callers branch without matching text.
 */
export type ErrorCode =
  | 'bad_input'
  | 'not_found'
  | 'conflict'
  | 'codex_missing'
  | 'state_dir'
  | 'forbidden'
  | 'busy'
  | 'storage';

export class UserError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UserError';
    this.code = code;
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

import { z } from 'zod';
import { UserError } from '../errors.ts';
import type { Paths } from '../store/paths.ts';
import { describeZodError } from '../store/registry-shape.ts';

/**
 * What a client is told when a handler fails with something other than a
 * UserError: a TypeError, a lock timeout, a file-system error, stored data of
 * the wrong shape. Raw, these read as `Lock file is already being held` or a
 * zod dump; here each becomes a sentence that says what happened and what to
 * do. The raw error goes to stderr (see tool.ts); UserErrors pass unchanged.
 */
export function explainError(error: unknown, what: string, paths: Paths): string {
  if (error instanceof UserError) return error.message;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ELOCKED') {
    return (
      `The session registry at ${paths.registry} is locked by another process; ${what} gave up waiting for it. ` +
      'Try again in a minute; if it stays locked, a codex-delegate process is stuck: stop it ' +
      `(or, when none is running, remove ${paths.lock}).`
    );
  }
  if (error instanceof z.ZodError) {
    return (
      `${what} failed: data in ${paths.registry} does not have the expected shape (${describeZodError(error)}); ` +
      'it may have been edited by hand or written by another version. Fix or remove that record, or report it if you did not touch the file.'
    );
  }
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    const file = (error as NodeJS.ErrnoException).path;
    return (
      `${what} failed: the file system refused ${file ? `access to ${file}` : 'an operation'} (${code}). ` +
      `Check that the state directory ${paths.home} is writable by this user and the disk is not full, then try again.`
    );
  }
  // A bug's own text (`Cannot read properties of undefined`) tells the caller nothing it can act on.
  return `${what} failed because of an internal error in the server. Try again; if it repeats, report it with the server's stderr log, which has the details.`;
}

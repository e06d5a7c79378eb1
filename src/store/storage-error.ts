import { UserError } from '../errors.ts';

/**
 * File-system failures of the state directory, said so a person can act on them.
 * Returns the error unchanged when it is not one of these.
 */
export function explainStorageError(error: unknown, where: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new UserError(
        'storage',
        `The disk holding ${where} is full (${code}); nothing was changed. Free some space there (or set CODEX_DELEGATE_HOME to another disk) and try again; reading sessions still works.`,
        { cause: error },
      );
    case 'EROFS':
      return new UserError('storage', `${where} is on a read-only file system; nothing was changed. Set CODEX_DELEGATE_HOME to a writable directory.`, { cause: error });
    case 'EACCES':
    case 'EPERM':
      return new UserError('storage', `No permission to write in ${where} (${code}); nothing was changed. Make it writable by this user or set CODEX_DELEGATE_HOME to a directory you own.`, { cause: error });
    default:
      return error;
  }
}

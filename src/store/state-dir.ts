import { chmod, mkdir, stat } from 'node:fs/promises';
import { UserError } from '../errors.ts';

/**
 * Creates (or checks) a private directory: mode 0700 whatever the umask, and
 * owned by us. A state directory owned by another user could be swapped or
 * read under our feet, so it is refused rather than used.
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const info = await stat(dir);
    if (!info.isDirectory()) {
      throw new UserError('state_dir', `The state directory ${dir} is not a directory. Remove it or set CODEX_DELEGATE_HOME to another path.`);
    }
    const uid = process.getuid?.();
    if (uid !== undefined && info.uid !== uid) {
      throw new UserError(
        'state_dir',
        `The state directory ${dir} belongs to another user (uid ${info.uid}). Set CODEX_DELEGATE_HOME to a directory you own.`,
      );
    }
    if ((info.mode & 0o777) !== 0o700) await chmod(dir, 0o700);
  } catch (error) {
    if (error instanceof UserError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new UserError(
      'state_dir',
      `Cannot use the state directory ${dir} (${code}). Make it writable by this user or set CODEX_DELEGATE_HOME to a writable directory.`,
      { cause: error },
    );
  }
}

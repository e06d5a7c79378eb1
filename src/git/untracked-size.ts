import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.ts';
import { git } from './git-command.ts';

/** Past this, untracked files are someone's data or build output that .gitignore forgot, not work to diff. */
export const DEFAULT_MAX_UNTRACKED_BYTES = 256 * 1024 * 1024;

/**
 * Refuses to snapshot a tree whose untracked, non-ignored files add up to more than
 * `maxBytes`: every snapshot hashes them all into the repository's object database,
 * so a forgotten dataset or node_modules would cost minutes and gigabytes per turn.
 * The error names the largest files so the user can ignore or commit them.
 */
export async function checkUntrackedSize(root: string, maxBytes: number): Promise<void> {
  if (!Number.isFinite(maxBytes)) return;
  const { stdout } = await git(root, ['ls-files', '--others', '--exclude-standard', '-z', '--', ':/']);
  const files = stdout.split('\0').filter(Boolean);
  let total = 0;
  const sizes: Array<[string, number]> = [];
  for (const file of files) {
    const size = (await lstat(path.join(root, file)).catch(() => null))?.size ?? 0;
    total += size;
    sizes.push([file, size]);
  }
  if (total <= maxBytes) return;
  const largest = sizes
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([file, size]) => `${file} (${megabytes(size)})`)
    .join(', ');
  throw new UserError(
    'bad_input',
    `${root} has ${files.length} untracked files that are not ignored, ${megabytes(total)} in all (largest: ${largest}); recording them for a diff would copy them into .git on every turn. Add them to .gitignore or commit them (the limit is ${megabytes(maxBytes)}).`,
  );
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

import { gitBytes } from './git-command.ts';

/**
 * The unified patch from one tree-ish to another, byte-exact, with binary files
 * as git binary patches (`--binary`, full blob ids), so `git apply` can replay it
 * anywhere the `from` side matches. Renames are detected as in diffTrees.
 */
export async function patchBytes(root: string, from: string, to: string): Promise<Uint8Array> {
  const { stdout } = await gitBytes(root, ['diff-tree', '-r', '-p', '--binary', '-M', '--no-ext-diff', '--no-textconv', '--no-color', from, to, '--']);
  return stdout;
}

/** The same as text, for showing. Lossy only for files that are not UTF-8: save patchBytes, show this. */
export async function patchText(root: string, from: string, to: string): Promise<string> {
  return Buffer.from(await patchBytes(root, from, to)).toString('utf8');
}

/** Saves the patch from `from` to `to` as a 0600 file (written atomically, like every file we keep). */
export async function writePatchFile(root: string, from: string, to: string, file: string): Promise<void> {
  const { default: writeFileAtomic } = await import('write-file-atomic');
  await writeFileAtomic(file, Buffer.from(await patchBytes(root, from, to)), { mode: 0o600 });
}

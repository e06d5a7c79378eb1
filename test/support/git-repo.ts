import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';

/** Plain git for arranging test repositories (independent of src/git, which is what is tested). */
export async function sh(dir: string, ...args: string[]): Promise<string> {
  const result = await execa('git', ['-C', dir, ...args], {
    env: { LC_ALL: 'C', GIT_OPTIONAL_LOCKS: '0', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' },
  });
  return result.stdout;
}

/** A new repository at `dir` with `files` committed on `main`. */
export async function makeRepo(dir: string, files: Record<string, string | Uint8Array>): Promise<string> {
  await mkdir(dir, { recursive: true });
  await sh(dir, 'init', '--quiet', '--initial-branch=main');
  await writeFiles(dir, files);
  await sh(dir, 'add', '-A');
  await sh(dir, 'commit', '--quiet', '-m', 'initial');
  return dir;
}

export async function writeFiles(dir: string, files: Record<string, string | Uint8Array>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
}

/** Every file under `dir` (except .git) with its bytes, for "byte-identical" checks. */
export async function treeBytes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    const relative = path.relative(dir, full);
    if (relative === '.git' || relative.startsWith(`.git${path.sep}`) || !entry.isFile()) continue;
    out[relative] = (await readFile(full)).toString('base64');
  }
  return out;
}

/** The user's index, HEAD and status, which isolation and snapshots must leave alone. */
export async function gitState(dir: string): Promise<{ index: string; head: string; status: string }> {
  return {
    index: (await readFile(path.join(dir, '.git', 'index'))).toString('base64'),
    head: await sh(dir, 'rev-parse', 'HEAD'),
    status: await sh(dir, 'status', '--porcelain=v1', '--untracked-files=all'),
  };
}

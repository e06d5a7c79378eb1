import { git } from './git-command.ts';

/**
 * The oldest git this layer works with: `merge-tree --write-tree` (apply) is 2.38;
 * `worktree list -z` 2.36; `rev-parse --path-format` 2.31.
 */
export const MIN_GIT_VERSION: readonly [number, number] = [2, 38];

export interface GitVersionCheck {
  /** e.g. "2.39.5", or null when git could not be run. */
  version: string | null;
  ok: boolean;
  /** A sentence for the doctor when not ok. */
  problem: string | null;
}

/** For a doctor check: is git there, and new enough? Never throws. */
export async function checkGitVersion(): Promise<GitVersionCheck> {
  let output: string;
  try {
    output = (await git('/', ['--version'])).stdout; // any existing directory: -C is always passed
  } catch (error) {
    return { version: null, ok: false, problem: error instanceof Error ? error.message : String(error) };
  }
  const match = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(output);
  if (!match) return { version: null, ok: false, problem: `Cannot read git's version from "${output.trim()}".` };
  const [major, minor] = [Number(match[1]), Number(match[2])];
  const ok = major > MIN_GIT_VERSION[0] || (major === MIN_GIT_VERSION[0] && minor >= MIN_GIT_VERSION[1]);
  return {
    version: match[0],
    ok,
    problem: ok ? null : `git ${match[0]} is older than ${MIN_GIT_VERSION.join('.')}; worktree isolation and apply need ${MIN_GIT_VERSION.join('.')} or newer. Update git.`,
  };
}

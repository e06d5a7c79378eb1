import { withoutSecrets } from '../codex/command.ts';
import { UserError } from '../errors.ts';

export interface GitOptions {
  /** Extra variables for this one call (e.g. GIT_INDEX_FILE for a snapshot). */
  env?: Record<string, string>;
  /** Bytes or text for git's stdin. */
  input?: string | Uint8Array;
  /** Exit codes that are answers, not failures (e.g. 1 from `merge-tree` = conflicts). Default: only 0. */
  okExitCodes?: number[];
}

export interface GitResult {
  stdout: string;
  /** Kept for callers that accept a non-zero exit and want git's reason. */
  stderr: string;
  exitCode: number;
}

export interface GitBytesResult {
  stdout: Uint8Array;
  exitCode: number;
}

// A patch of a whole tree can be large; past this we refuse rather than hold more in memory.
const MAX_OUTPUT_BYTES = 512 * 1024 * 1024;

/**
 * The environment every git call gets. Inherited GIT_* variables (a server started from
 * a git hook has GIT_DIR and GIT_INDEX_FILE set) would silently point git at another
 * repository or index than `-C <dir>` names, so they are dropped. Secrets are dropped
 * too: git runs the user's hooks and filters. LC_ALL=C keeps messages parseable,
 * GIT_OPTIONAL_LOCKS=0 stops `status` from rewriting the user's index, and no prompt
 * or pager can ever wait on a terminal nobody watches. Fixed identities let the
 * throw-away commits of a merge work in a repository without user.name configured.
 */
function gitEnv(extra: Record<string, string> | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(withoutSecrets(process.env))) {
    if (value !== undefined && !name.startsWith('GIT_')) env[name] = value;
  }
  return {
    ...env,
    LC_ALL: 'C',
    GIT_PAGER: 'cat',
    PAGER: 'cat',
    GIT_TERMINAL_PROMPT: '0',
    GIT_OPTIONAL_LOCKS: '0',
    GIT_AUTHOR_NAME: 'codex-delegate',
    GIT_AUTHOR_EMAIL: 'codex-delegate@localhost',
    GIT_COMMITTER_NAME: 'codex-delegate',
    GIT_COMMITTER_EMAIL: 'codex-delegate@localhost',
    ...extra,
  };
}

function fullArgs(dir: string, args: readonly string[]): string[] {
  // core.quotepath=off: paths in human-readable output stay as they are (machine output uses -z anyway).
  return ['-C', dir, '--no-pager', '-c', 'core.quotepath=off', ...args];
}

async function execGit(dir: string, args: readonly string[], options: GitOptions, encoding: 'utf8' | 'buffer') {
  // Loaded on first use: a runner whose turn needs no git (outside a repository) never pays for execa (≈ 15 MB, issue 12).
  const { execa } = await import('execa');
  const result = await execa('git', fullArgs(dir, args), {
    env: gitEnv(options.env),
    extendEnv: false,
    reject: false,
    stripFinalNewline: false,
    maxBuffer: MAX_OUTPUT_BYTES,
    encoding,
    ...(options.input !== undefined ? { input: options.input } : { stdin: 'ignore' as const }),
  });
  if (result.failed && result.exitCode === undefined) {
    const missing = (result.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
    throw new UserError(
      'bad_input',
      missing
        ? 'Git is not installed or not on PATH. Install git to use worktree isolation and turn diffs.'
        : `git ${args[0] ?? ''} could not run in ${dir}: ${result.shortMessage}. Check the directory and try again.`,
      { cause: result.cause },
    );
  }
  const exitCode = result.exitCode ?? 1;
  if (!(options.okExitCodes ?? [0]).includes(exitCode)) {
    throw new GitCommandError(dir, args, exitCode, String(result.stderr));
  }
  return { stdout: result.stdout, stderr: String(result.stderr), exitCode };
}

/** Runs `git -C <dir> <args>` (argument array, never a shell) and returns its text output. */
export async function git(dir: string, args: readonly string[], options: GitOptions = {}): Promise<GitResult> {
  const result = await execGit(dir, args, options, 'utf8');
  return { stdout: String(result.stdout), stderr: result.stderr, exitCode: result.exitCode };
}

/** The same, byte-exact: for patches, whose hunks may hold text that is not UTF-8. */
export async function gitBytes(dir: string, args: readonly string[], options: GitOptions = {}): Promise<GitBytesResult> {
  const result = await execGit(dir, args, options, 'buffer');
  return { stdout: result.stdout as Uint8Array, exitCode: result.exitCode };
}

/**
 * A git call that failed in a way the caller did not expect. It is a UserError (the
 * person can read git's own words and act), but callers that know the likely cause
 * catch it and say something better.
 */
export class GitCommandError extends UserError {
  readonly exitCode: number;
  readonly stderr: string;

  constructor(dir: string, args: readonly string[], exitCode: number, stderr: string) {
    const said = stderr.trim().split('\n').filter(Boolean).slice(-3).join(' ').slice(0, 600);
    super('storage', `git ${args[0] ?? ''} failed in ${dir} (exit ${exitCode})${said ? `: ${said}` : ''}. Check the repository and try again.`);
    this.name = 'GitCommandError';
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

import { constants } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.ts';
import type { Registry } from '../store/registry.ts';
import { SESSION_ID_PATTERN, type Sandbox, type Session } from '../store/session.ts';

/** Input pieces shared by several tools, with messages a person can act on. */

/**
 * zod 4 uses a schema-level message for every failing check that has none of
 * its own; keep it for wrong types only, so "must be a whole number" is not
 * reported as "must be a number".
 */
export function typeError(message: string) {
  return { error: (issue: { code?: string }) => (issue.code === 'invalid_type' ? message : undefined) };
}

export const sessionIdField = z
  .string(typeError('sessionId must be a string such as "mf3k2x9a-1a2b3c4d" (from codex_launch or codex_status).'))
  .regex(SESSION_ID_PATTERN, {
    error: 'sessionId is not a valid session id; use the sessionId returned by codex_launch or listed by codex_status.',
  });

export const promptField = z
  .string(typeError('prompt must be a string: the task for Codex.'))
  .max(100_000, { error: 'prompt is longer than 100000 characters; put the details in a file in cwd and point Codex to it.' })
  .refine((value) => value.trim() !== '', { error: 'prompt is empty; describe the task for Codex.' });

export const timeoutField = z
  .number(typeError('timeoutSeconds must be a number of seconds.'))
  .int({ error: 'timeoutSeconds must be a whole number of seconds.' })
  .min(10, { error: 'timeoutSeconds must be at least 10.' })
  .max(86_400, { error: 'timeoutSeconds must be at most 86400 (24 hours).' });

/** Rejects extra arguments by name, so a misspelt option is never silently ignored. */
export function strictInput<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `Unknown argument ${issue.keys.map((k) => `"${k}"`).join(', ')}; allowed: ${Object.keys(shape).join(', ')}.`
        : undefined,
  });
}

/**
 * The session with this id, or an error that says what to do. The id is checked
 * against the pattern first: registry lookups index a plain object, where
 * `constructor` or `__proto__` would find Object.prototype's members.
 */
export async function requireSession(registry: Registry, sessionId: string): Promise<Session> {
  if (!SESSION_ID_PATTERN.test(sessionId)) {
    throw new UserError('bad_input', `"${sessionId.slice(0, 80)}" is not a session id; list sessions with codex_status.`);
  }
  const session = await registry.getSession(sessionId);
  const damage = session ? undefined : registry.damagedRecord(sessionId);
  if (damage) {
    throw new UserError(
      'conflict',
      `The record of session ${sessionId} in ${registry.paths.registry} is damaged (${damage}); ` +
        'it cannot be shown or changed, and the next change sets it aside in a file beside the registry. Launch a new task instead.',
    );
  }
  if (!session) {
    throw new UserError('not_found', `No session ${sessionId} is recorded here; list sessions with codex_status (no arguments).`);
  }
  return session;
}

/** A working directory as the caller spelt it (for display) and as the file system resolves it (for comparing). */
export interface WorkingDirectory {
  /** Normalized, without a trailing slash: what the answers show and Codex is started in. */
  cwd: string;
  /** Symlinks resolved: `/x/ws`, `/x/ws/` and a link to it are one directory to the write lock. */
  realCwd: string;
}

/** An absolute path of an existing directory Codex can enter and read. */
export async function checkWorkingDirectory(cwd: string): Promise<WorkingDirectory> {
  const shown = printable(cwd);
  if (!path.isAbsolute(cwd)) {
    throw new UserError('bad_input', `cwd must be an absolute path; "${shown}" is relative.`);
  }
  if (cwd.includes('\0')) throw new UserError('bad_input', `cwd ${shown} contains a NUL character; pass a plain directory path.`);
  const info = await stat(cwd).catch((error: NodeJS.ErrnoException) => error);
  if (info instanceof Error) {
    // Only a missing path "does not exist"; a parent without search permission or a name too long is something else.
    if (info.code === 'ENOENT' || info.code === 'ENOTDIR') {
      throw new UserError('bad_input', `cwd ${shown} does not exist; create it or pass an existing directory.`);
    }
    throw new UserError('bad_input', `cwd ${shown} cannot be opened (${info.code ?? info.message}); pass a directory this user can reach.`);
  }
  if (!info.isDirectory()) throw new UserError('bad_input', `cwd ${shown} is a file, not a directory; pass its folder.`);
  try {
    await access(cwd, constants.R_OK | constants.X_OK);
  } catch {
    throw new UserError('bad_input', `cwd ${shown} is not readable by this user; fix its permissions or pick another directory.`);
  }
  return { cwd: withoutTrailingSlash(path.normalize(cwd)), realCwd: await realpath(cwd) };
}

/** A caller's string inside an error sentence: one line, and short enough to read. */
function printable(value: string): string {
  const line = value.replace(/[\u0000-\u001f\u007f]/g, '?');
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

function withoutTrailingSlash(dir: string): string {
  return dir.length > 1 && dir.endsWith(path.sep) ? dir.slice(0, -1) : dir;
}

/** Where a launch without `cwd` runs, and why: the answer says so, so nobody is surprised by it. */
export type CwdSource = 'argument' | 'CODEX_DELEGATE_DEFAULT_CWD' | 'server working directory' | 'session';

/**
 * `/` and the home directory hold everything a user has: a writable Codex
 * there by accident (a host that starts the server in `/` or `$HOME`, a
 * launch without `cwd`) can touch all of it. Refused unless someone chose
 * the directory: the caller's `cwd`, or CODEX_DELEGATE_DEFAULT_CWD.
 */
export async function refuseAccidentalWideDirectory(dir: WorkingDirectory, source: CwdSource, sandbox: Sandbox): Promise<void> {
  if (source !== 'server working directory' || sandbox === 'read-only') return;
  const home = await realpath(os.homedir()).catch(() => os.homedir());
  const what = dir.realCwd === path.parse(dir.realCwd).root ? 'the root directory' : dir.realCwd === home ? 'your home directory' : null;
  if (!what) return;
  throw new UserError(
    'forbidden',
    `No cwd was given, so this writable (${sandbox}) run would start in ${dir.cwd} (${what}), where the server was started; ` +
      'pass cwd with the project folder, or set CODEX_DELEGATE_DEFAULT_CWD in the server environment (or use sandbox "read-only").',
  );
}

import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.ts';
import type { Registry } from '../store/registry.ts';
import { SESSION_ID_PATTERN, type Session } from '../store/session.ts';

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

export async function requireSession(registry: Registry, sessionId: string): Promise<Session> {
  const session = await registry.getSession(sessionId);
  if (!session) {
    throw new UserError('not_found', `No session ${sessionId} is recorded here; list sessions with codex_status (no arguments).`);
  }
  return session;
}

/** An absolute path of an existing directory Codex can enter and read. */
export async function checkWorkingDirectory(cwd: string): Promise<string> {
  if (!path.isAbsolute(cwd)) {
    throw new UserError('bad_input', `cwd must be an absolute path; "${cwd}" is relative.`);
  }
  const info = await stat(cwd).catch(() => undefined);
  if (!info) throw new UserError('bad_input', `cwd ${cwd} does not exist; create it or pass an existing directory.`);
  if (!info.isDirectory()) throw new UserError('bad_input', `cwd ${cwd} is a file, not a directory; pass its folder.`);
  try {
    await access(cwd, constants.R_OK | constants.X_OK);
  } catch {
    throw new UserError('bad_input', `cwd ${cwd} is not readable by this user; fix its permissions or pick another directory.`);
  }
  return path.normalize(cwd);
}

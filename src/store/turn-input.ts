import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { CodexCommand } from '../codex/codex-child.ts';
import type { Paths } from './paths.ts';
import { writePrivateFile } from './private-file.ts';
import type { Registry } from './registry.ts';

/**
 * What the server that accepts a turn hands to whichever runner starts it: the
 * prompt, and the environment the turn must run with (its Codex home and
 * binary, its OpenClaw gateway and tokens). A queued turn may be started by
 * another server's runner; it still runs with the configuration of the server
 * that accepted it. The environment holds secrets, so it never goes into the
 * registry or a process's initial environment: a 0600 file in the 0700 session
 * folder, read once and deleted by the runner.
 *
 * The same file carries the Codex command the turn will run (no secrets in it),
 * computed by the accepting server, so the runner can start Codex before it has
 * loaded (runner/early-codex.ts); the runner checks it against its own.
 */

export function newInputId(): string {
  return randomBytes(8).toString('hex');
}

export async function writeTurnInput(
  paths: Paths,
  target: { sessionId: string; turn: number; inputId: string },
  prompt: string,
  env: Readonly<NodeJS.ProcessEnv>,
  codex: CodexCommand,
): Promise<void> {
  const { sessionId, turn, inputId } = target;
  // Not recursive: the state directory exists (Registry.init), and a plain mkdir reports the real cause
  // (a read-only file system says EROFS; a recursive one says ENOENT).
  for (const dir of [paths.sessionDir(sessionId), paths.pendingDir]) {
    await mkdir(dir, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
  // Side by side: two fsyncs in the time of one. Both settle before a failure is reported, so the
  // caller's clean-up never races a write still under way.
  const written = await Promise.allSettled([
    writePrivateFile(paths.turnInput(sessionId, turn, inputId, 'prompt.txt'), prompt),
    writePrivateFile(paths.turnInput(sessionId, turn, inputId, 'env.json'), JSON.stringify({ env, codex })),
  ]);
  for (const result of written) if (result.status === 'rejected') throw result.reason;
}

/** Removes what one call wrote, and only that: its own inputId names it. */
export async function removeTurnInput(paths: Paths, target: { sessionId: string; turn: number; inputId: string }): Promise<void> {
  for (const kind of ['prompt.txt', 'env.json'] as const) {
    await rm(paths.turnInput(target.sessionId, target.turn, target.inputId, kind), { force: true });
  }
}

/** A turn that ended without a runner (cancelled while queued, never started) leaves no secrets behind. */
export async function discardTurnEnv(paths: Paths, sessionId: string, turn: number, inputId: string | null): Promise<void> {
  if (inputId) await rm(paths.turnInput(sessionId, turn, inputId, 'env.json'), { force: true });
}

const envFileSchema = z.object({ env: z.record(z.string(), z.string()) });

/**
 * The accepting server's environment for a turn, deleted as it is read so the
 * secrets in it spend as little time on disk as possible. Undefined when there
 * is none (a turn recorded by an older version, or already read).
 */
export async function takeTurnEnv(paths: Paths, sessionId: string, turn: number, inputId: string | null): Promise<Record<string, string> | undefined> {
  if (!inputId) return undefined;
  const file = paths.turnInput(sessionId, turn, inputId, 'env.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  await rm(file, { force: true });
  try {
    const parsed = envFileSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.env : undefined;
  } catch {
    return undefined;
  }
}

export function readTurnPrompt(paths: Paths, sessionId: string, turn: number, inputId: string | null): Promise<string> {
  return readFile(paths.turnInput(sessionId, turn, inputId, 'prompt.txt'), 'utf8');
}

/** A settings file this old without a turn waiting for it was left by a server that died mid-launch. */
const ORPHAN_AFTER_MS = 120_000;

/**
 * Deletes settings files that no queued turn will read: left by a server killed
 * between writing them and recording the turn, or by a turn that ended
 * without a runner. They hold secrets, so none outlives its use.
 */
export async function sweepPendingSettings(registry: Registry, now = Date.now()): Promise<number> {
  const names = await readdir(registry.paths.pendingDir).catch(() => [] as string[]);
  if (names.length === 0) return 0;
  const sessions = (await registry.read()).sessions;
  let removed = 0;
  for (const name of names) {
    const [sessionId = '', turnText = '', inputId = ''] = name.split('.');
    const turn = Object.hasOwn(sessions, sessionId) ? sessions[sessionId]!.turns[Number(turnText) - 1] : undefined;
    const waiting = turn?.inputId === inputId && (turn.status === 'queued' || (turn.status === 'running' && turn.runner === null));
    if (waiting) continue;
    const file = path.join(registry.paths.pendingDir, name);
    const age = now - ((await stat(file).catch(() => undefined))?.mtimeMs ?? now);
    if (turn?.inputId === inputId || age > ORPHAN_AFTER_MS) {
      await rm(file, { force: true });
      removed += 1;
    }
  }
  return removed;
}

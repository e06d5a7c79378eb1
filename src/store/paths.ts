import path from 'node:path';

/** Where everything lives under the state directory. Pure: no I/O. */
export interface Paths {
  readonly home: string;
  readonly registry: string;
  readonly lock: string;
  readonly sessionsDir: string;
  /** Settings files of accepted turns not yet started (they hold secrets; see turn-input.ts). */
  readonly pendingDir: string;
  /** Day shards listing the archived sessions (ArchiveIndex). */
  readonly archiveIndexDir: string;
  /** An archived session's record, beside its turn files. */
  sessionRecord(sessionId: string): string;
  sessionDir(sessionId: string): string;
  turnFile(sessionId: string, turn: number, kind: TurnFileKind): string;
  /**
   * What the server that accepted a turn wrote for its runner, under a name of
   * that call's own (`inputId`): two calls racing for the same turn number never
   * touch each other's files. A null inputId is a turn recorded by an older version.
   */
  turnInput(sessionId: string, turn: number, inputId: string | null, kind: TurnInputKind): string;
  lease(sessionId: string): string;
  /** Where isolated sessions' worktrees live (0700, outside every user tree). */
  readonly worktreesDir: string;
  worktreeParent(sessionId: string): string;
  /** The text of one codex_steer call (its id names it), kept out of the registry. */
  steerFile(sessionId: string, turn: number, steerId: string): string;
}

export type TurnFileKind =
  | 'prompt.txt'
  | 'events.jsonl'
  | 'stderr.log'
  | 'last-message.txt'
  | 'message.txt'
  | 'runner.log'
  /** What the turn changed in its git work tree, and (isolated sessions) everything since the base. */
  | 'diff.patch'
  | 'cumulative.patch';

export type TurnInputKind = 'prompt.txt' | 'env.json';

export function makePaths(home: string): Paths {
  const sessionsDir = path.join(home, 'sessions');
  const sessionDir = (id: string) => path.join(sessionsDir, id);
  return {
    home,
    registry: path.join(home, 'sessions.json'),
    lock: path.join(home, 'sessions.json.lock'),
    sessionsDir,
    pendingDir: path.join(home, 'pending'),
    archiveIndexDir: path.join(home, 'archive', 'index'),
    sessionDir,
    sessionRecord: (id) => path.join(sessionDir(id), 'session.json'),
    turnFile: (id, turn, kind) => path.join(sessionDir(id), `turn-${turn}.${kind}`),
    // The settings file lives apart, in one small folder, so a sweep finds any left behind without reading history.
    turnInput: (id, turn, inputId, kind) =>
      kind === 'env.json' && inputId
        ? path.join(home, 'pending', `${id}.${turn}.${inputId}.env.json`)
        : path.join(sessionDir(id), inputId ? `turn-${turn}.${inputId}.${kind}` : `turn-${turn}.${kind}`),
    lease: (id) => path.join(sessionDir(id), 'runner.lease'),
    worktreesDir: path.join(home, 'worktrees'),
    worktreeParent: (id) => path.join(home, 'worktrees', id),
    steerFile: (id, turn, steerId) => path.join(sessionDir(id), `turn-${turn}.steer-${steerId}.txt`),
  };
}

import path from 'node:path';

/** Where everything lives under the state directory. Pure: no I/O. */
export interface Paths {
  readonly home: string;
  readonly registry: string;
  readonly lock: string;
  readonly sessionsDir: string;
  sessionDir(sessionId: string): string;
  turnFile(sessionId: string, turn: number, kind: TurnFileKind): string;
  lease(sessionId: string): string;
}

export type TurnFileKind =
  | 'prompt.txt'
  | 'events.jsonl'
  | 'stderr.log'
  | 'last-message.txt'
  | 'message.txt'
  | 'runner.log';

export function makePaths(home: string): Paths {
  const sessionsDir = path.join(home, 'sessions');
  const sessionDir = (id: string) => path.join(sessionsDir, id);
  return {
    home,
    registry: path.join(home, 'sessions.json'),
    lock: path.join(home, 'sessions.json.lock'),
    sessionsDir,
    sessionDir,
    turnFile: (id, turn, kind) => path.join(sessionDir(id), `turn-${turn}.${kind}`),
    lease: (id) => path.join(sessionDir(id), 'runner.lease'),
  };
}

import { createHash } from 'node:crypto';
import { newTurn, type Session } from '../../src/store/session.ts';

/** A valid, finished session record whose id is derived from `name`: tests find it again by name. */
export function testSession(name: string, createdAt = new Date().toISOString()): Session {
  const id = testSessionId(name);
  const turn = newTurn(1, createdAt, { timeoutSeconds: 60, heartbeatSeconds: 0, heartbeatStyle: 'new', maxTokens: null, notify: null });
  return {
    id,
    label: name,
    cwd: '/tmp',
    sandbox: 'read-only',
    model: null,
    reasoningEffort: null,
    allowConcurrentWrites: false,
    createdAt,
    threadId: null,
    turns: [{ ...turn, status: 'succeeded', endedAt: createdAt, activity: 'done' }],
    outbox: [],
    notifications: [],
    notifyWarning: null,
  };
}

export function testSessionId(name: string): string {
  return `test00-${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
}

import type { Config } from '../config.ts';
import type { Route } from '../store/session.ts';

/**
 * The chat route for a turn: the caller's, or the server's defaults from the
 * environment, or none (`false`, or no channel/target configured).
 */
export function resolveRoute(requested: Route | false | undefined, config: Config): Route | null {
  if (requested === false) return null;
  if (requested) return requested;
  const { channel, target, threadId, sessionKey } = config.defaultRoute;
  if (!channel || !target) return null;
  return {
    channel,
    target,
    ...(threadId ? { threadId } : {}),
    ...(sessionKey ? { sessionKey } : {}),
  };
}

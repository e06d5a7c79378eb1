import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SubscribeRequestSchema, UnsubscribeRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { errorMessage, UserError } from '../errors.ts';
import { latestTurn, type Session } from '../store/session.ts';
import { readTail } from '../store/read-tail.ts';
import { readTurnText } from '../store/turn-text.ts';
import { readTurnPatch } from '../store/turn-patch.ts';
import { requireSession } from './inputs.ts';
import { asUserFacing, type ToolDeps } from './tool.ts';
import { toStatusView } from './views.ts';

/** The resources a client may subscribe to: a session, its result or its events. */
const SESSION_URI = /^codex:\/\/sessions\/([^/?#]+)(?:\/(?:result|events|diff))?$/;

/** Recent events shown by the events resource: the tail of the file, bounded. */
const EVENTS_TAIL_BYTES = 256 * 1024;
const EVENTS_TAIL_LINES = 200;
const WATCH_MS = 500;

/**
 * Sessions as MCP resources, for clients that read rather than call tools:
 * codex://sessions/{id} (status JSON), …/result (answer text), …/events
 * (recent raw events), …/diff (unified patch). Subscribers get notifications/resources/updated when
 * a session changes state.
 */
export function registerResources(server: McpServer, deps: ToolDeps): void {
  // The most recent sessions, live or archived: a page, never the whole history.
  const recent = async (limit: number) => (await deps.registry.list({}, null, limit)).sessions;
  const complete = async (value: string) => {
    const ids = (await recent(200)).map((s) => s.id);
    return ids.filter((id) => id.startsWith(value)).slice(0, 100);
  };
  const list = async () => {
    const sessions = await recent(50);
    return {
      resources: sessions.map((s) => ({
        uri: `codex://sessions/${s.id}`,
        name: s.label ?? s.id,
        description: `${latestTurn(s).status} · ${s.cwd}`,
        mimeType: 'application/json',
      })),
    };
  };
  const lookup = (value: unknown) => requireSession(deps.registry, String(value));
  const answering = answeringFor(deps);

  server.registerResource(
    'session',
    new ResourceTemplate('codex://sessions/{sessionId}', { list, complete: { sessionId: complete } }),
    { title: 'Codex session status', mimeType: 'application/json' },
    answering('reading the session resource', async (uri: URL, { sessionId }: { sessionId?: string | string[] }) => {
      const view = toStatusView(await lookup(sessionId), Date.now());
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(view, null, 2) }] };
    }),
  );
  // The answer and the recent events of the latest turn: one text resource each.
  const turnText = (name: string, suffix: string, title: string, mimeType: string, read: (session: Session) => Promise<string>) =>
    server.registerResource(
      name,
      new ResourceTemplate(`codex://sessions/{sessionId}/${suffix}`, { list: undefined, complete: { sessionId: complete } }),
      { title, mimeType },
      answering(`reading the ${suffix} resource`, async (uri: URL, { sessionId }: { sessionId?: string | string[] }) => ({
        contents: [{ uri: uri.href, mimeType, text: await read(await lookup(sessionId)) }],
      })),
    );
  const latest = (session: Session) => latestTurn(session).turn;
  turnText('session-result', 'result', 'Codex answer (latest turn)', 'text/plain', async (session) => (await readTurnText(deps.paths, session.id, latest(session))) ?? '');
  turnText('session-events', 'events', 'Recent Codex events (latest turn)', 'application/x-ndjson', (session) =>
    tailLines(deps.paths.turnFile(session.id, latest(session), 'events.jsonl')),
  );
  // Isolated sessions: everything codex_apply would bring in; otherwise what the latest turn changed.
  turnText('session-diff', 'diff', 'What Codex changed (unified diff)', 'text/x-diff', async (session) =>
    (await readTurnPatch(deps.paths, session.id, latest(session), session.worktree !== undefined)) ?? '',
  );
  enableSubscriptions(server, deps);
}

/** resources/subscribe support: a cheap poll of the (cached) registry while anyone is subscribed. */
function enableSubscriptions(server: McpServer, deps: ToolDeps): void {
  const answering = answeringFor(deps);
  const subscribed = new Set<string>();
  const seen = new Map<string, string>();
  let timer: NodeJS.Timeout | undefined;
  const stateOf = (session: Session) => `${latestTurn(session).turn}:${latestTurn(session).status}`;
  const sessionOf = (uri: string) => SESSION_URI.exec(uri)?.[1];

  const check = async () => {
    const data = await deps.registry.read();
    for (const uri of subscribed) {
      const id = sessionOf(uri);
      // Own properties only: the sessions map is a plain object.
      const session = id && Object.hasOwn(data.sessions, id) ? data.sessions[id] : undefined;
      if (!session) continue;
      const state = stateOf(session);
      if (seen.get(uri) !== state) {
        seen.set(uri, state);
        await server.server.sendResourceUpdated({ uri });
      }
    }
  };
  server.server.registerCapabilities({ resources: { subscribe: true } });
  server.server.setRequestHandler(SubscribeRequestSchema, answering('resources/subscribe', async ({ params }: { params: { uri: string } }) => {
    const id = sessionOf(params.uri);
    if (id === undefined) {
      throw new UserError(
        'bad_input',
        `${params.uri.slice(0, 200)} is not a resource of this server; subscribe to codex://sessions/{sessionId} (or its /result, /events or /diff).`,
      );
    }
    const current = await requireSession(deps.registry, id);
    seen.set(params.uri, stateOf(current));
    subscribed.add(params.uri);
    timer ??= setInterval(() => check().catch((error) => deps.log(`resource watch: ${errorMessage(error)}`)), WATCH_MS).unref();
    return {};
  }));
  server.server.setRequestHandler(UnsubscribeRequestSchema, async ({ params }) => {
    subscribed.delete(params.uri);
    seen.delete(params.uri);
    if (subscribed.size === 0) {
      clearInterval(timer);
      timer = undefined;
    }
    return {};
  });
}

/** Same promise as the tools: a sentence for anything that goes wrong, the raw error on stderr. */
function answeringFor(deps: ToolDeps) {
  return <Args extends unknown[], T>(what: string, handle: (...args: Args) => Promise<T>) =>
    (...args: Args) =>
      handle(...args).catch((error: unknown) => {
        throw asUserFacing(error, what, deps);
      });
}

async function tailLines(file: string): Promise<string> {
  const { text, cut } = await readTail(file, EVENTS_TAIL_BYTES);
  const lines = text.split('\n').filter(Boolean);
  // A cut first line is partial JSON: drop it.
  return (cut ? lines.slice(1) : lines).slice(-EVENTS_TAIL_LINES).join('\n');
}

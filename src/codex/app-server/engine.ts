import { z } from 'zod';
import { VERSION } from '../../version.ts';
import type { CodexChild, CodexCommand } from '../codex-child.ts';
import { withoutSecrets } from '../command.ts';
import type { ApprovalDecision, ApprovalMode, CodexTurnBase, EngineEvent, EngineTurn } from '../engine.ts';
import { AsyncQueue } from './async-queue.ts';
import { startRpcProcess, type RpcClient } from './client.ts';
import { approvalOf, foldNotification, foldServerRequest, initialFold, withThread, withTurn, type AppServerFold } from './fold-app-server.ts';
import { parseMessage, type IncomingMessage, type KnownServerRequest, type ParsedMessage, type RequestId } from './protocol.ts';
import type { DroppedLine } from './bounded-lines.ts';

export interface AppServerTurnOptions extends CodexTurnBase {
  approvals: ApprovalMode;
  /** Local image files sent with the prompt. */
  images?: string[];
  /** A JSON Schema the final answer must follow. */
  outputSchema?: unknown;
  /** A file (already created 0600) that the server's stderr is drained into. */
  stderrFile?: string;
  /** Or a sink for the server's stderr as it comes. */
  onStderr?: (chunk: Buffer) => void;
  log?: (message: string) => void;
  /** How long to wait for the server to go after its stdin closed, before SIGTERM and then SIGKILL. */
  exitGraceMs?: number;
  /** `appServerCommand(options)`, started already and not yet written to; else it is started here. */
  child?: CodexChild;
}

/** The `codex app-server` process of a turn: the same for every turn, it learns the turn over JSON-RPC. */
export function appServerCommand(options: Pick<CodexTurnBase, 'bin' | 'cwd' | 'env'>): CodexCommand {
  return { bin: options.bin, args: ['app-server'], cwd: options.cwd, env: withoutSecrets(options.env) };
}

const APPROVAL_SETTINGS: Record<ApprovalMode, { approvalPolicy: string; approvalsReviewer: string }> = {
  never: { approvalPolicy: 'never', approvalsReviewer: 'user' },
  auto: { approvalPolicy: 'on-request', approvalsReviewer: 'auto_review' },
  ask: { approvalPolicy: 'on-request', approvalsReviewer: 'user' },
};

const threadAnswer = z.looseObject({ thread: z.looseObject({ id: z.string() }) });
const turnAnswer = z.looseObject({ turn: z.looseObject({ id: z.string() }) });

/**
 * Runs one turn on `codex app-server`: initialize → thread/start (or
 * thread/resume, with sandbox and cwd again: a bare resume falls back to
 * read-only) → turn/start → notifications until our turn/completed → stdin
 * closed, which is the server's clean stop (exit 0, its children gone).
 */
export function startAppServerTurn(options: AppServerTurnOptions): EngineTurn {
  const log = options.log ?? (() => {});
  const client = startRpcProcess({
    command: appServerCommand(options),
    ...(options.child ? { child: options.child } : {}),
    ...(options.stderrFile ? { stderrFile: options.stderrFile } : {}),
    ...(options.onStderr ? { onStderr: options.onStderr } : {}),
    log,
  });
  const out = new AsyncQueue<EngineEvent>();
  let fold = initialFold(options.threadId);
  let ended = false;
  let interruptRequested = false;
  // The answer to turn/start comes before the turn is active: steer and interrupt wait for turn/started.
  let turnActive = false;
  const approvals = new Map<string, { rpcId: RequestId; request: KnownServerRequest }>();

  const emit = (line: string | null, next: AppServerFold, extra: Partial<EngineEvent> = {}) => {
    const before = fold.progress;
    fold = next;
    const after = fold.progress;
    const transition = after.threadId !== before.threadId || after.completed !== before.completed || after.failure !== before.failure;
    out.push({ line, progress: after, transition, ...extra });
  };
  const finish = () => {
    if (ended) return;
    ended = true;
    closeAndWait(client, options.exitGraceMs ?? 5000);
  };

  let markTurnKnown: (turnId: string) => void = () => {};
  let markTurnFailed: (error: Error) => void = () => {};
  const turnKnown = new Promise<string>((resolve, reject) => {
    markTurnKnown = resolve;
    markTurnFailed = reject;
  });
  turnKnown.catch(() => {}); // read only by steer

  const handshake = async () => {
    await client.request('initialize', {
      clientInfo: { name: 'codex-delegate-mcp', title: null, version: VERSION },
      capabilities: { experimentalApi: true },
    });
    client.notify('initialized');
    const settings = {
      cwd: options.cwd,
      sandbox: options.sandbox,
      ...APPROVAL_SETTINGS[options.approvals],
      ...(options.model ? { model: options.model } : {}),
    };
    const thread = threadAnswer.parse(
      options.threadId
        ? await client.request('thread/resume', { threadId: options.threadId, excludeTurns: true, ...settings })
        : await client.request('thread/start', settings),
    ).thread.id;
    emit(null, withThread(fold, thread));
    const input = [
      { type: 'text', text: options.prompt, text_elements: [] },
      ...(options.images ?? []).map((path) => ({ type: 'localImage', path })),
    ];
    const turn = turnAnswer.parse(
      await client.request('turn/start', {
        threadId: thread,
        input,
        ...(options.reasoningEffort ? { effort: options.reasoningEffort } : {}),
        ...(options.outputSchema !== undefined ? { outputSchema: options.outputSchema } : {}),
      }),
    ).turn.id;
    fold = withTurn(fold, turn);
  };

  const sendInterrupt = async () => {
    const threadId = fold.progress.threadId;
    if (ended || !turnActive || fold.turnId === null || threadId === null) return;
    // The interrupt ends the turn; the exit (after turn/completed) stops commands it left running.
    const fallback = setTimeout(finish, options.exitGraceMs ?? 5000);
    fallback.unref();
    try {
      await client.request('turn/interrupt', { threadId, turnId: fold.turnId });
    } catch (error) {
      log(`app-server: turn/interrupt failed (${(error as Error).message}); closing the server`);
      finish();
    }
  };

  void handshake().catch((error: Error) => {
    markTurnFailed(error);
    if (ended) return;
    const what = options.threadId ? `resume thread ${options.threadId}` : 'start a turn';
    const failure = interruptRequested ? 'The turn was interrupted before it started.' : `Codex could not ${what}: ${error.message}`;
    emit(null, { ...fold, progress: { ...fold.progress, failure, activity: 'failed' } });
    finish();
  });

  const pump = async () => {
    for await (const incoming of client.incoming) {
      const { line } = incoming;
      const parsed = incoming.dropped ? recoverDropped(incoming.dropped, fold.turnId) : incoming.parsed;
      if (!parsed.ok) {
        const lost = incoming.dropped && /"type"\s*:\s*"agentMessage"/.test(incoming.dropped.head);
        out.push({ line, progress: fold.progress, transition: false, problem: parsed.reason, ...(lost ? { answerLost: true } : {}) });
        continue;
      }
      const message = parsed.message as Exclude<IncomingMessage, { kind: 'response' | 'error-response' }>;
      if (message.kind === 'request') {
        const request = message.request;
        if (request.method === 'unknown') {
          // Answered at once: an unanswered request blocks the turn for good.
          client.respondError(message.id, -32601, `codex-delegate-mcp does not handle ${request.rawMethod}`);
          out.push({ line, progress: fold.progress, transition: false, problem: `refused server request ${request.rawMethod}` });
          continue;
        }
        if (options.approvals !== 'ask') {
          // Not asked for: fail closed rather than leave the turn waiting.
          respondApproval(client, message.id, request, 'decline');
          out.push({ line, progress: fold.progress, transition: false, problem: `declined unexpected ${request.method}` });
          continue;
        }
        const id = String(message.id);
        approvals.set(id, { rpcId: message.id, request });
        emit(line, foldServerRequest(fold, request), { approval: approvalOf(fold, id, request) });
        continue;
      }
      const notification = message.notification;
      if (notification.method === 'serverRequest/resolved') approvals.delete(String(notification.params.requestId));
      const idle = notification.method === 'error' || notification.method === 'warning' || notification.method === 'configWarning';
      emit(line, foldNotification(fold, notification), idle ? { idle } : {});
      if (notification.method === 'turn/started' && notification.params.turn.id === fold.turnId && !turnActive) {
        turnActive = true;
        markTurnKnown(notification.params.turn.id);
        if (interruptRequested) void sendInterrupt();
      }
      if (notification.method === 'turn/completed' && notification.params.turn.id === fold.turnId) finish();
    }
  };
  const pumped = pump().catch((error: Error) => log(`app-server: ${error.message}`));
  const exited = client.exited.then(async (exit) => {
    await pumped;
    ended = true;
    markTurnFailed(new Error('the app-server exited before the turn started'));
    out.end();
    return exit;
  });

  return {
    pid: client.pid,
    events: out,
    exited,
    async steer(text) {
      if (ended) throw new Error('The turn has already ended, so it cannot be steered; resume the session with this text instead.');
      const turnId = await turnKnown;
      const threadId = fold.progress.threadId;
      try {
        await client.request('turn/steer', { threadId, expectedTurnId: turnId, input: [{ type: 'text', text, text_elements: [] }] });
      } catch (error) {
        throw new Error(`Codex did not take the steer: ${(error as Error).message}. The turn may have just ended; resume the session instead.`);
      }
    },
    async interrupt() {
      interruptRequested = true;
      if (ended) return;
      // Not active yet: the interrupt goes out when turn/started arrives.
      if (!turnActive) return;
      await sendInterrupt();
    },
    async answerApproval(id, decision) {
      const pending = approvals.get(id);
      if (!pending) throw new Error(`No approval request ${id} is waiting: it was answered already, or the turn ended.`);
      approvals.delete(id);
      respondApproval(client, pending.rpcId, pending.request, decision);
      if (decision === 'cancel' && pending.request.method === 'item/permissions/requestApproval') await this.interrupt();
    },
  };
}

/**
 * A line too long to keep can still be the end of our turn (its items can be
 * huge): without it the turn would never end. Its start names the message and
 * the turn, its end holds the status; that is enough to rebuild it.
 */
function recoverDropped(dropped: DroppedLine, turnId: string | null): ParsedMessage {
  const reason = `a stdout line of ${dropped.bytes} bytes was too long to read`;
  if (turnId === null || !/^\{"method":"turn\/completed"/.test(dropped.head) || !dropped.head.includes(`"id":"${turnId}"`)) return { ok: false, reason };
  const threadId = /"threadId":"([^"]+)"/.exec(dropped.head)?.[1] ?? '';
  const status = /"status":"(completed|interrupted|failed)"/.exec(dropped.tail)?.[1] ?? 'failed';
  const error = status === 'failed' ? { message: `The turn failed; its report (${dropped.bytes} bytes) was too long to read.` } : null;
  return parseMessage(JSON.stringify({ method: 'turn/completed', params: { threadId, turn: { id: turnId, items: [], status, error } } }));
}

/** The answer shape differs per request: a decision word, or granted permissions with a scope. */
function respondApproval(client: RpcClient, rpcId: RequestId, request: KnownServerRequest, decision: ApprovalDecision): void {
  if (request.method !== 'item/permissions/requestApproval') {
    client.respond(rpcId, { decision });
    return;
  }
  const granted = decision === 'accept' || decision === 'acceptForSession';
  const requested = request.params.permissions as { network?: unknown; fileSystem?: unknown };
  const permissions = granted
    ? { ...(requested.network ? { network: requested.network } : {}), ...(requested.fileSystem ? { fileSystem: requested.fileSystem } : {}) }
    : {};
  client.respond(rpcId, { permissions, scope: decision === 'acceptForSession' ? 'session' : 'turn' });
}

/** Closes stdin (the clean stop) and makes sure the server goes: SIGTERM after the grace, SIGKILL after another. */
function closeAndWait(client: RpcClient, graceMs: number): void {
  client.close();
  let gone = false;
  void client.exited.then(() => {
    gone = true;
  });
  const term = setTimeout(() => {
    if (gone) return;
    client.kill('SIGTERM');
    setTimeout(() => {
      if (!gone) client.kill('SIGKILL');
    }, graceMs).unref();
  }, graceMs);
  term.unref();
  void client.exited.then(() => clearTimeout(term));
}

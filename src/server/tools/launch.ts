import { rm } from 'node:fs/promises';
import { UserError } from '../../errors.ts';
import { z } from 'zod';
import { locateCodex } from '../../codex/locate.ts';
import { createWorktree, removeWorktree } from '../../git/worktree.ts';
import { pickReady, type ReadyTurn } from '../../runner/scheduler.ts';
import { spawnRunnersTogether } from '../../runner/start-runner.ts';
import { runnerEnvironment, turnCommand } from '../../runner/turn-command.ts';
import type { RegistryData } from '../../store/registry.ts';
import { newSessionId, newTurn, REASONING_EFFORTS, routeSchema, SANDBOXES, type Session, type SessionWorktree, type Turn } from '../../store/session.ts';
import { explainStorageError } from '../../store/storage-error.ts';
import { newInputId, removeTurnInput, writeTurnInput } from '../../store/turn-input.ts';
import { checkWorkingDirectory, promptField, refuseAccidentalWideDirectory, strictInput, timeoutField, typeError, type CwdSource } from '../inputs.ts';
import { resolveRoute } from '../route.ts';
import { assertSandboxAllowed } from '../../sandbox-gate.ts';
import { defineTool, type ToolDeps } from '../tool.ts';
import { interactionFields, settleInteraction } from '../interaction-inputs.ts';

export const notifyField = z
  .union([routeSchema, z.literal(false)], {
    error: 'notify must be false or an object { channel, target, threadId?, sessionKey?, silent? }.',
  })
  .optional()
  .describe('OpenClaw chat route for progress and the result; false for none; default from the server environment');

export const heartbeatField = z
  .number(typeError('heartbeatSeconds must be a number.'))
  .int({ error: 'heartbeatSeconds must be a whole number.' })
  .refine((v) => v === 0 || (v >= 15 && v <= 3600), { error: 'heartbeatSeconds must be 0 (off) or between 15 and 3600.' })
  .optional()
  .describe('Seconds between chat heartbeats (0 = off; default 60)');

export const heartbeatStyleField = z
  .enum(['new', 'edit'], { error: 'heartbeatStyle must be "new" or "edit".' })
  .optional()
  .describe('"edit": one heartbeat message edited in place (channels that support edits, e.g. Telegram); default "new"');

const input = strictInput({
  prompt: promptField.describe('The task for Codex'),
  cwd: z.string(typeError('cwd must be a string: an absolute directory path.')).optional().describe('Absolute working directory (default: the server default)'),
  label: z.string(typeError('label must be a string.')).max(80, { error: 'label must be at most 80 characters.' }).optional(),
  model: z
    .string(typeError('model must be a string such as "gpt-5.5".'))
    .min(1, { error: 'model must not be empty; omit it to use Codex\'s default.' })
    .max(200, { error: 'model must be at most 200 characters.' })
    // Codex's argument parser would take "-…" as a flag and fail the run; refuse it here, in words.
    .refine((v) => !v.startsWith('-'), { error: 'model must be a model name such as "gpt-5.5", not something starting with "-".' })
    .optional(),
  reasoningEffort: z.enum(REASONING_EFFORTS, { error: `reasoningEffort must be one of ${REASONING_EFFORTS.join(', ')}.` }).optional(),
  sandbox: z.enum(SANDBOXES, { error: `sandbox must be one of ${SANDBOXES.join(', ')}.` }).optional().describe('Default workspace-write'),
  timeoutSeconds: timeoutField.optional().describe('Stop Codex after this long (default 7200)'),
  maxTokens: z.number(typeError('maxTokens must be a number.')).int({ error: 'maxTokens must be a whole number of tokens.' }).positive({ error: 'maxTokens must be positive.' }).optional(),
  allowConcurrentWrites: z.boolean(typeError('allowConcurrentWrites must be true or false.')).optional(),
  isolation: z
    .enum(['none', 'worktree'], { error: 'isolation must be "none" or "worktree".' })
    .optional()
    .describe('"worktree": Codex works in its own git worktree on a new branch; review the diff, then codex_apply. Default "none"'),
  base: z
    .string(typeError('base must be a string: a commit, branch or tag.'))
    .min(1, { error: 'base must not be empty; omit it to start from HEAD.' })
    .max(250, { error: 'base must be at most 250 characters.' })
    .optional()
    .describe('With isolation "worktree": the commit-ish to branch from (default HEAD)'),
  notify: notifyField,
  heartbeatSeconds: heartbeatField,
  heartbeatStyle: heartbeatStyleField,
  ...interactionFields,
});

/** What launch and resume answer: the turn that was queued or started. */
export const turnStartedSchema = z.object({
  sessionId: z.string(),
  turn: z.number(),
  status: z.enum(['running', 'queued']),
  cwd: z.string(),
  /** Why Codex runs there: the caller's cwd, the configured default, the server's own directory, or the resumed session's. */
  cwdFrom: z.enum(['argument', 'CODEX_DELEGATE_DEFAULT_CWD', 'server working directory', 'session']),
  label: z.string().nullable(),
  createdAt: z.string(),
  /** Isolated sessions: where Codex works and on which branch. */
  worktree: z.object({ path: z.string(), branch: z.string(), base: z.string() }).optional(),
  /** Things the caller should know, e.g. uncommitted changes that are not in the worktree. */
  warnings: z.array(z.string()).optional(),
});

export const launchTool = defineTool({
  name: 'codex_launch',
  title: 'Launch a Codex task',
  description:
    'Start a Codex CLI task in the background and return at once with a sessionId. Follow it with codex_status (waitSeconds to wait) and read the answer with codex_result.',
  inputSchema: input,
  outputSchema: turnStartedSchema,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async handler(args, deps) {
    const { config, registry } = deps;
    const cwdFrom: CwdSource = args.cwd !== undefined ? 'argument' : config.env.CODEX_DELEGATE_DEFAULT_CWD !== undefined ? 'CODEX_DELEGATE_DEFAULT_CWD' : 'server working directory';
    const { cwd, realCwd } = await checkWorkingDirectory(args.cwd ?? config.defaultCwd);
    const sandbox = args.sandbox ?? 'workspace-write';
    await refuseAccidentalWideDirectory({ cwd, realCwd }, cwdFrom, sandbox);
    assertSandboxAllowed(sandbox, config);
    const bin = await locateCodex(config.codexBin, config.env);
    const interaction = await settleInteraction(args, config, null);
    await registry.init();
    if (args.base !== undefined && args.isolation !== 'worktree') {
      throw new UserError('bad_input', 'base only applies with isolation: "worktree"; add that, or leave base out.');
    }

    const now = new Date();
    const route = resolveRoute(args.notify, config);
    const id = newSessionId(now.getTime());
    let worktree: SessionWorktree | undefined;
    let warning: string | null = null;
    if (args.isolation === 'worktree') {
      // The branch is named after the label (or the prompt's start); the worktree lives under our state directory.
      const label = args.label ?? args.prompt.slice(0, 60);
      const { warning: said, ...record } = await createWorktree({ cwd: realCwd, base: args.base, label, id, parentDir: deps.paths.worktreeParent(id) });
      worktree = { ...record, state: 'active', settledAt: null };
      warning = said;
    }
    const session: Session = {
      id,
      label: args.label ?? null,
      cwd,
      realCwd,
      sandbox,
      model: args.model ?? null,
      reasoningEffort: args.reasoningEffort ?? null,
      allowConcurrentWrites: args.allowConcurrentWrites ?? false,
      createdAt: now.toISOString(),
      threadId: null,
      outbox: [],
      notifications: [],
      notifyWarning:
        route && !deps.notifier
          ? 'notify was given, but no OpenClaw token is configured (OPENCLAW_GATEWAY_TOKEN / OPENCLAW_HOOKS_TOKEN, or gateway.auth.token / hooks.token in openclaw.json): poll with codex_status instead.'
          : null,
      ...(worktree ? { worktree } : {}),
      turns: [
        newTurn(1, now.toISOString(), {
          timeoutSeconds: args.timeoutSeconds ?? 7200,
          heartbeatSeconds: args.heartbeatSeconds ?? config.heartbeatSeconds,
          heartbeatStyle: args.heartbeatStyle ?? 'new',
          maxTokens: args.maxTokens ?? null,
          notify: route,
        }, null, interaction),
      ],
    };
    const record = (data: RegistryData) => {
      // A copy: the scheduler marks the recorded turn running, and a change made again (a lost lock)
      // must find this session as new, not as the first attempt left it.
      data.sessions[session.id] = structuredClone(session);
    };
    let started;
    try {
      started = await enqueueTurn(deps, session, session.turns[0]!, args.prompt, record, bin);
    } catch (error) {
      // The session was never recorded, so nothing else would ever remove its worktree.
      if (session.worktree) await removeWorktree(session.worktree, 'discard').catch(() => {});
      throw error;
    }
    const isolated = session.worktree ? { worktree: { path: session.worktree.runCwd, branch: session.worktree.branch, base: session.worktree.baseCommit } } : {};
    return { ...started, cwdFrom, label: session.label, createdAt: session.createdAt, ...isolated, ...(warning ? { warnings: [warning] } : {}) };
  },
  summary: (out) =>
    [
      `Launched ${out.sessionId} (${out.status}) in ${out.cwd}${cwdNote(out.cwdFrom)}. Check it with codex_status; read the answer with codex_result.`,
      ...(out.worktree ? [`Isolated: Codex works in ${out.worktree.path} on branch ${out.worktree.branch}; your tree stays untouched until codex_apply.`] : []),
      ...(out.warnings ?? []).map((w) => `⚠ ${w}`),
    ].join('\n'),
});

/** Says where a directory nobody named in this call came from. */
export function cwdNote(from: CwdSource): string {
  if (from === 'CODEX_DELEGATE_DEFAULT_CWD') return ' (CODEX_DELEGATE_DEFAULT_CWD, no cwd was given)';
  if (from === 'server working directory') return " (the server's working directory, no cwd was given)";
  return '';
}

/**
 * Records a queued turn and starts it if a slot is free. Shared by launch and
 * resume. The prompt and this server's environment go to files named for this
 * call alone (a fresh inputId); then `record` runs under the registry lock and
 * may still refuse by throwing, in which case exactly those files are removed:
 * a refused call never touches what an accepted one wrote.
 */
export async function enqueueTurn(
  deps: ToolDeps,
  session: Session,
  turn: Turn,
  prompt: string,
  record: (data: RegistryData) => void | Promise<void>,
  bin?: string,
) {
  const { config, registry, paths } = deps;
  const target = { sessionId: session.id, turn: turn.turn, inputId: newInputId() };
  turn.inputId = target.inputId;
  // The command the turn's runner will start Codex with, computed as the runner will (turn-command.ts).
  const codex = turnCommand({
    engine: config.engine,
    bin: bin ?? (await locateCodex(config.codexBin, config.env)),
    env: runnerEnvironment(config.env, paths.home),
    session,
    turnNo: turn.turn,
    lastMessageFile: paths.turnFile(session.id, turn.turn, 'last-message.txt'),
  });
  let started: ReadyTurn[];
  try {
    await writeTurnInput(paths, target, prompt, config.env, codex);
    // Record and schedule in one locked write: the answer says what the scheduler decided for this
    // very turn, and a burst of launches costs one lock cycle each, not two.
    started = await registry.update(async (data) => {
      await record(data);
      return pickReady(data, config.maxConcurrent, new Date().toISOString());
    });
  } catch (error) {
    if (turn.turn === 1) await rm(paths.sessionDir(session.id), { recursive: true, force: true });
    else await removeTurnInput(paths, target);
    throw explainStorageError(error, paths.home);
  }
  // Before the answer, though it costs a fork of this server: a client that kills the server as soon
  // as it reads "running" must still find the turn running.
  await spawnRunnersTogether(config, paths, started);
  const running = started.some((t) => t.sessionId === session.id && t.turn === turn.turn);
  return { sessionId: session.id, turn: turn.turn, status: running ? ('running' as const) : ('queued' as const), cwd: session.cwd };
}

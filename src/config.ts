import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/**
 * The only reader of process.env. Both the server and every runner build their
 * Config here, so the runner sees exactly what the server saw (the server
 * passes its environment down; secrets travel in env, never in argv).
 */
/** How a runner drives Codex: `codex app-server` (steer, approvals, images, outputSchema) or today's `codex exec --json`. */
export const ENGINES = ['app-server', 'exec'] as const;
export type Engine = (typeof ENGINES)[number];

const flag = z
  .string()
  .optional()
  .transform((v) => v === '1' || v?.toLowerCase() === 'true');

const intIn = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const envSchema = z.object({
  CODEX_DELEGATE_HOME: z.string().min(1).optional(),
  CODEX_DELEGATE_DEFAULT_CWD: z.string().min(1).optional(),
  CODEX_DELEGATE_ALLOW_DANGER: flag,
  CODEX_DELEGATE_MAX_CONCURRENT: intIn(1, 64, 4),
  CODEX_DELEGATE_RETENTION_DAYS: intIn(0, 3650, 30),
  CODEX_DELEGATE_HEARTBEAT_SECONDS: intIn(0, 86400, 60),
  CODEX_DELEGATE_KILL_GRACE_MS: intIn(100, 120000, 10000),
  CODEX_BIN: z.string().min(1).optional(),
  CODEX_DELEGATE_ENGINE: z.enum(ENGINES, { error: 'must be app-server or exec' }).default('app-server'),
  OPENCLAW_GATEWAY_URL: z.string().url().default('http://127.0.0.1:18789'),
  OPENCLAW_GATEWAY_TOKEN: z.string().min(1).optional(),
  OPENCLAW_HOOKS_TOKEN: z.string().min(1).optional(),
  OPENCLAW_CONFIG_PATH: z.string().min(1).optional(),
  OPENCLAW_STATE_DIR: z.string().min(1).optional(),
  CODEX_DELEGATE_NOTIFY_CHANNEL: z.string().min(1).optional(),
  CODEX_DELEGATE_NOTIFY_TARGET: z.string().min(1).optional(),
  CODEX_DELEGATE_NOTIFY_THREAD_ID: z.string().min(1).optional(),
  CODEX_DELEGATE_NOTIFY_SESSION_KEY: z.string().min(1).optional(),
  CODEX_DELEGATE_WAKE: z.enum(['hooks', 'sessions_send']).default('hooks'),
  CODEX_DELEGATE_NOTIFY_TIMEOUT_MS: intIn(100, 600000, 60000),
});

export interface Config {
  readonly home: string;
  readonly defaultCwd: string;
  readonly allowDanger: boolean;
  readonly maxConcurrent: number;
  readonly retentionDays: number;
  readonly heartbeatSeconds: number;
  readonly killGraceMs: number;
  readonly codexBin: string | undefined;
  readonly engine: Engine;
  readonly gateway: {
    readonly url: string;
    /** False when url is the built-in default: OpenClaw's own gateway.port then wins (openclaw-config.ts). */
    readonly urlFromEnv: boolean;
    readonly token: string | undefined;
    readonly hooksToken: string | undefined;
    readonly configPath: string;
    readonly wake: 'hooks' | 'sessions_send';
    /** The deadline of one request to the gateway, from connecting to the last byte of the answer. */
    readonly requestTimeoutMs: number;
  };
  readonly defaultRoute: {
    readonly channel: string | undefined;
    readonly target: string | undefined;
    readonly threadId: string | undefined;
    readonly sessionKey: string | undefined;
  };
  /** The environment the runner and Codex start from. */
  readonly env: Readonly<NodeJS.ProcessEnv>;
}

/**
 * A blank setting means "not set". MCP Bundle hosts pass an optional setting the
 * user left empty as the literal `${user_config.name}`: that is not set either.
 */
function unsetBlanks(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '' && !/^\$\{user_config\.[^}]+\}$/.test(value)) clean[name] = value;
  }
  return clean;
}

export function loadConfig(rawEnv: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const env = unsetBlanks(rawEnv);
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `Invalid environment variable ${String(issue?.path[0])}: ${issue?.message}. Fix or unset it and restart the server.`,
    );
  }
  const e = parsed.data;
  const stateDir = e.OPENCLAW_STATE_DIR ?? path.join(os.homedir(), '.openclaw');
  return Object.freeze({
    home: path.resolve(e.CODEX_DELEGATE_HOME ?? path.join(os.homedir(), '.codex-delegate')),
    defaultCwd: e.CODEX_DELEGATE_DEFAULT_CWD ?? cwd,
    allowDanger: e.CODEX_DELEGATE_ALLOW_DANGER,
    maxConcurrent: e.CODEX_DELEGATE_MAX_CONCURRENT,
    retentionDays: e.CODEX_DELEGATE_RETENTION_DAYS,
    heartbeatSeconds: e.CODEX_DELEGATE_HEARTBEAT_SECONDS,
    killGraceMs: e.CODEX_DELEGATE_KILL_GRACE_MS,
    codexBin: e.CODEX_BIN,
    engine: e.CODEX_DELEGATE_ENGINE,
    gateway: Object.freeze({
      url: e.OPENCLAW_GATEWAY_URL,
      urlFromEnv: env.OPENCLAW_GATEWAY_URL !== undefined,
      token: e.OPENCLAW_GATEWAY_TOKEN,
      hooksToken: e.OPENCLAW_HOOKS_TOKEN,
      configPath: e.OPENCLAW_CONFIG_PATH ?? path.join(stateDir, 'openclaw.json'),
      wake: e.CODEX_DELEGATE_WAKE,
      requestTimeoutMs: e.CODEX_DELEGATE_NOTIFY_TIMEOUT_MS,
    }),
    defaultRoute: Object.freeze({
      channel: e.CODEX_DELEGATE_NOTIFY_CHANNEL,
      target: e.CODEX_DELEGATE_NOTIFY_TARGET,
      threadId: e.CODEX_DELEGATE_NOTIFY_THREAD_ID,
      sessionKey: e.CODEX_DELEGATE_NOTIFY_SESSION_KEY,
    }),
    env: Object.freeze({ ...env }),
  });
}

import { constants, existsSync, readFileSync, type Stats } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { locateCodex } from '../codex/locate.ts';
import type { Config } from '../config.ts';
import { errorMessage } from '../errors.ts';
import { unsupportedNodeMessage } from '../node-version.ts';
import { messageArgs } from '../notify/notifier.ts';
import { readOpenClawFile, resolveCredentials, type OpenClawFile, type ResolvedGateway } from '../notify/openclaw-config.ts';
import { resolveRoute } from '../server/route.ts';
import { readCodexProvider } from './codex-provider.ts';
import { checkGit, checkWorktrees } from './doctor-worktrees.ts';

/** One line of the doctor's report: ✔ fine, ✘ broken (with the fix), – optional and not set up. */
export interface Check {
  state: 'ok' | 'fail' | 'warn' | 'skip';
  label: string;
  detail: string;
  fix?: string;
}

const MARK = { ok: '✔', fail: '✘', warn: '⚠', skip: '–' } as const;

export function formatChecks(checks: Check[]): string {
  return checks.map((c) => `${MARK[c.state]} ${c.label}: ${c.detail}${c.fix ? `\n    fix: ${c.fix}` : ''}`).join('\n');
}

export async function runDoctor(config: Config): Promise<Check[]> {
  const checks: Check[] = [checkNode()];
  checks.push(...(await checkCodex(config)));
  checks.push(await checkStateDir(config));
  checks.push(await checkGit(), await checkWorktrees(config.home));
  checks.push(...(await checkOpenClaw(config)));
  return checks;
}

// The entry point has already refused an unsupported Node.js; this line says which one runs.
function checkNode(): Check {
  const refusal = unsupportedNodeMessage();
  return refusal === undefined
    ? { state: 'ok', label: 'Node.js', detail: `${process.version} (${process.execPath})` }
    : { state: 'fail', label: 'Node.js', detail: `${process.version} is not supported`, fix: refusal };
}

async function checkCodex(config: Config): Promise<Check[]> {
  let bin: string;
  try {
    bin = await locateCodex(config.codexBin, config.env);
  } catch (error) {
    return [{ state: 'fail', label: 'Codex CLI', detail: 'not found', fix: errorMessage(error) }];
  }
  const version = await execa(bin, ['--version'], { env: config.env, extendEnv: false, timeout: 20_000, reject: false });
  const codex: Check =
    version.exitCode === 0
      ? { state: 'ok', label: 'Codex CLI', detail: `${version.stdout.trim()} (${bin})` }
      : { state: 'fail', label: 'Codex CLI', detail: `${bin} --version failed`, fix: 'reinstall it: npm i -g @openai/codex' };
  return [codex, await checkEngine(config, bin), checkCodexAuth(config)];
}

/** Which engine runs turns, and whether the installed Codex has it (`codex app-server` appeared in 0.1xx). */
async function checkEngine(config: Config, bin: string): Promise<Check> {
  const label = 'Codex engine';
  const help = await execa(bin, ['app-server', '--help'], { env: config.env, extendEnv: false, timeout: 20_000, reject: false });
  const hasAppServer = help.exitCode === 0;
  if (config.engine === 'exec') {
    return {
      state: 'ok',
      label,
      detail: `exec (CODEX_DELEGATE_ENGINE=exec): codex exec --json; steering and approvals: "ask" are unavailable (this Codex ${hasAppServer ? 'also supports' : 'does not support'} app-server)`,
    };
  }
  return hasAppServer
    ? { state: 'ok', label, detail: 'app-server (the default): this Codex supports `codex app-server`' }
    : {
        state: 'fail',
        label,
        detail: 'app-server (the default), but `codex app-server --help` failed: this Codex does not support it',
        fix: 'update Codex (npm i -g @openai/codex), or set CODEX_DELEGATE_ENGINE=exec to keep the codex exec engine',
      };
}

/**
 * Codex can talk to a model when the provider it will use has its key: a custom provider
 * (`[model_providers.X]` in config.toml) reads it from its `env_key` variable, and a ChatGPT
 * login does not help it; OpenAI itself needs `codex login` or an API key.
 */
function checkCodexAuth(config: Config): Check {
  const home = config.env.CODEX_HOME ?? path.join(os.homedir(), '.codex');
  const configFile = path.join(home, 'config.toml');
  const label = 'Codex authentication';
  let toml = '';
  try {
    toml = readFileSync(configFile, 'utf8');
  } catch {
    // No config: Codex uses OpenAI, which needs a login or an API key.
  }
  const provider = readCodexProvider(toml);
  if (provider.custom && !provider.requiresOpenAiAuth) {
    if (!provider.envKey) return { state: 'ok', label, detail: `custom model provider "${provider.id}" in ${configFile} (needs no key)` };
    return config.env[provider.envKey]
      ? { state: 'ok', label, detail: `custom model provider "${provider.id}" in ${configFile}, ${provider.envKey} is set` }
      : {
          state: 'fail',
          label,
          detail: `model provider "${provider.id}" (${configFile}) needs ${provider.envKey}, which is not set`,
          fix: `set ${provider.envKey} in the server's environment (the env block of this MCP server in your client's config): Codex reads the provider's key from it`,
        };
  }
  if (provider.id !== 'openai' && !provider.custom) {
    return { state: 'ok', label, detail: `built-in model provider "${provider.id}" (${configFile})` };
  }
  if (existsSync(path.join(home, 'auth.json'))) return { state: 'ok', label, detail: `logged in (${home}/auth.json)` };
  for (const key of ['OPENAI_API_KEY', 'CODEX_API_KEY']) if (config.env[key]) return { state: 'ok', label, detail: `${key} is set` };
  return { state: 'fail', label, detail: `no login found in ${home}`, fix: 'run `codex login` (as this user, with the same CODEX_HOME), or set OPENAI_API_KEY' };
}

/** Checks the state directory without creating it: a doctor run leaves nothing behind. */
async function checkStateDir(config: Config): Promise<Check> {
  const label = 'State directory';
  const dir = config.home;
  const fix = 'set CODEX_DELEGATE_HOME to a directory this user can write';
  let info: Stats;
  try {
    info = await stat(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') return { state: 'fail', label, detail: `${dir} cannot be read (${code})`, fix };
    let parent = path.dirname(dir);
    while (!existsSync(parent) && path.dirname(parent) !== parent) parent = path.dirname(parent);
    return (await writable(parent))
      ? { state: 'ok', label, detail: `${dir} does not exist yet; it will be created on the first launch (private, 0700)` }
      : { state: 'fail', label, detail: `${dir} cannot be created: ${parent} is not writable`, fix };
  }
  if (!info.isDirectory()) return { state: 'fail', label, detail: `${dir} is not a directory`, fix: `remove it, or ${fix}` };
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) return { state: 'fail', label, detail: `${dir} belongs to another user (uid ${info.uid})`, fix };
  if (!(await writable(dir))) return { state: 'fail', label, detail: `${dir} is not writable`, fix: `chmod 700 ${dir}, or ${fix}` };
  const mode = info.mode & 0o777;
  return mode === 0o700
    ? { state: 'ok', label, detail: `${dir} (private, 0700)` }
    : { state: 'ok', label, detail: `${dir} (mode 0${mode.toString(8)}; made private, 0700, at the next launch)` };
}

async function writable(dir: string): Promise<boolean> {
  return access(dir, constants.W_OK | constants.X_OK).then(
    () => true,
    () => false,
  );
}

async function checkOpenClaw(config: Config): Promise<Check[]> {
  const gateway = resolveCredentials(config);
  const file = readOpenClawFile(config.gateway.configPath);
  const route = config.defaultRoute;
  // Any sign that OpenClaw is meant to be used: then every part of it is checked.
  if (!gateway.token && !gateway.hooksToken && !file.data && !file.error && !config.gateway.urlFromEnv && !route.channel && !route.target) {
    return [{ state: 'skip', label: 'OpenClaw', detail: 'not configured (optional: agents poll with codex_status / codex_result)' }];
  }
  const checks: Check[] = [];
  if (file.error) {
    checks.push({
      state: 'fail',
      label: 'OpenClaw config',
      detail: `${config.gateway.configPath} is ${file.error}`,
      fix: 'fix the file, or point OPENCLAW_CONFIG_PATH at the right one',
    });
  }
  const url = gateway.url;
  const where = gateway.urlSource.startsWith('gateway.port') ? ` (${gateway.urlSource})` : '';
  const health = await call(url, '/health', 'GET');
  if (health.status === 0) {
    checks.push({
      state: 'fail',
      label: 'OpenClaw gateway',
      detail: `${url}${where} is not reachable (${health.detail})`,
      fix: 'start it with `openclaw gateway`, or set OPENCLAW_GATEWAY_URL (in this server\'s env block) to its address',
    });
    return checks;
  }
  if (health.status !== 200 || !/"ok"\s*:\s*true/.test(health.body)) {
    checks.push({
      state: 'fail',
      label: 'OpenClaw gateway',
      detail: `${url}${where} answered HTTP ${health.status} to GET /health: it is not an OpenClaw gateway`,
      fix: "set OPENCLAW_GATEWAY_URL to the gateway's own address, http://127.0.0.1:<gateway.port of openclaw.json> (18789 unless changed)",
    });
    return checks;
  }
  checks.push({ state: 'ok', label: 'OpenClaw gateway', detail: `${url} is up${where}` });
  // An unknown tool answers 404 to a valid token and 401 to a bad one: a check that sends nothing anywhere.
  const probe = await call(url, '/tools/invoke', 'POST', gateway.token, { tool: 'codex_delegate_doctor_probe', args: {} });
  const tokenAccepted = gateway.token !== undefined && probe.status !== 401;
  checks.push(
    !gateway.token
      ? { state: 'fail', label: 'Gateway token', detail: 'none found', fix: `set OPENCLAW_GATEWAY_TOKEN, or gateway.auth.token in ${config.gateway.configPath}` }
      : probe.status === 401
        ? { state: 'fail', label: 'Gateway token', detail: 'rejected (401)', fix: 'use the value of gateway.auth.token from openclaw.json' }
        : { state: 'ok', label: 'Gateway token', detail: 'accepted' },
  );
  // A wake without text answers 400 when hooks are on and the token is right, and wakes nobody.
  const hook = await call(url, '/hooks/wake', 'POST', gateway.hooksToken, {});
  checks.push(
    !gateway.hooksToken
      ? { state: 'fail', label: 'Hooks (agent wake)', detail: 'no hooks token', fix: 'set hooks.enabled: true and hooks.token in openclaw.json (or OPENCLAW_HOOKS_TOKEN)' }
      : hook.status === 400
        ? { state: 'ok', label: 'Hooks (agent wake)', detail: 'enabled, token accepted' }
        : hook.status === 401
          ? { state: 'fail', label: 'Hooks (agent wake)', detail: 'token rejected (401)', fix: 'use hooks.token from openclaw.json (not the gateway token)' }
          : { state: 'fail', label: 'Hooks (agent wake)', detail: `unexpected answer ${hook.status}`, fix: 'set hooks.enabled: true in openclaw.json' },
  );
  const hooks = file.data?.hooks;
  const prefixes = hooks?.allowedSessionKeyPrefixes ?? [];
  checks.push(
    hooks?.allowRequestSessionKey && prefixes.some((p) => 'agent:'.startsWith(p) || p.startsWith('agent:'))
      ? { state: 'ok', label: 'Wake the asking conversation', detail: 'hooks.allowRequestSessionKey is on' }
      : {
          state: 'warn',
          label: 'Wake the asking conversation',
          detail: 'off: wakes go to the main session',
          fix: 'set hooks.allowRequestSessionKey: true and hooks.allowedSessionKeyPrefixes: ["agent:"] in openclaw.json',
        },
  );
  checks.push(await checkDefaultRoute(config, gateway, tokenAccepted, file.data));
  return checks;
}

/**
 * The CODEX_DELEGATE_NOTIFY_* route, dry-run through the gateway exactly as a real message would be
 * sent. OpenClaw's dry run resolves the route without touching the channel's credentials, so a
 * channel that openclaw.json does not set up passes it and then fails every send (the reason, e.g.
 * "Telegram bot token missing", shows only in the gateway's log): that is checked in the file.
 */
async function checkDefaultRoute(config: Config, gateway: ResolvedGateway, tokenAccepted: boolean, file: OpenClawFile | undefined): Promise<Check> {
  const label = 'Default chat route';
  const { channel, target } = config.defaultRoute;
  if (!channel && !target) return { state: 'skip', label, detail: 'none (agents pass `notify` per task)' };
  if (!channel || !target) {
    const [set, missing] = channel ? ['CODEX_DELEGATE_NOTIFY_CHANNEL', 'CODEX_DELEGATE_NOTIFY_TARGET'] : ['CODEX_DELEGATE_NOTIFY_TARGET', 'CODEX_DELEGATE_NOTIFY_CHANNEL'];
    return {
      state: 'fail',
      label,
      detail: `${set} is set but ${missing} is not, so tasks launched without \`notify\` post nothing`,
      fix: `set ${missing} too, or unset ${set}`,
    };
  }
  const name = `${channel}:${target}`;
  if (!tokenAccepted) return { state: 'skip', label, detail: `${name} not checked (no accepted gateway token)` };
  const route = resolveRoute(undefined, config)!;
  const dry = await call(gateway.url, '/tools/invoke', 'POST', gateway.token, {
    tool: 'message',
    args: { ...messageArgs(route, 'codex-delegate-mcp doctor (dry run, not sent)'), dryRun: true },
  });
  if (dry.status !== 200) {
    return {
      state: 'fail',
      label,
      detail: `${name} refused by the gateway's dry run (${dry.detail}${dry.body ? `: ${dry.body.slice(0, 200)}` : ''})`,
      fix: 'check CODEX_DELEGATE_NOTIFY_CHANNEL / _TARGET / _THREAD_ID: a channel OpenClaw has set up and a chat id on it',
    };
  }
  if (!file) return { state: 'ok', label, detail: `${name} (dry run accepted; the channel's setup was not checked: no openclaw.json at ${config.gateway.configPath})` };
  const entry = (file.channels as Record<string, unknown> | undefined)?.[channel] as { enabled?: unknown } | null | undefined;
  if (entry === undefined || entry === null || entry.enabled === false) {
    return {
      state: 'warn',
      label,
      detail: `${name} passes the dry run, but channel "${channel}" is ${entry ? 'disabled' : 'not set up'} in ${config.gateway.configPath}`,
      fix: `set up channels.${channel} in openclaw.json (e.g. its bot token), or give the gateway its token in the environment (e.g. TELEGRAM_BOT_TOKEN); \`openclaw channels status --probe\` shows whether it can send`,
    };
  }
  return { state: 'ok', label, detail: `${name} (dry run accepted)` };
}

async function call(base: string, route: string, method: 'GET' | 'POST', token?: string, body?: unknown): Promise<{ status: number; detail: string; body: string }> {
  try {
    const { request } = await import('undici');
    const response = await request(new URL(route, base), {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      // One deadline for the whole exchange: undici's per-phase timeouts restart with every chunk of a trickling body.
      signal: AbortSignal.timeout(5000),
    });
    const text = await response.body.text();
    return { status: response.statusCode, detail: `HTTP ${response.statusCode}`, body: text.slice(0, 2000) };
  } catch (error) {
    return { status: 0, detail: errorMessage(error), body: '' };
  }
}

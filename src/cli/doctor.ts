import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { locateCodex } from '../codex/locate.ts';
import type { Config } from '../config.ts';
import { errorMessage } from '../errors.ts';
import { unsupportedNodeMessage } from '../node-version.ts';
import { readOpenClawFile, resolveCredentials } from '../notify/openclaw-config.ts';
import { makePaths } from '../store/paths.ts';
import { Registry } from '../store/registry.ts';

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
  return [codex, checkCodexAuth(config)];
}

/** Codex can talk to a model when it is logged in, has an API key, or has a custom provider whose key is set. */
function checkCodexAuth(config: Config): Check {
  const home = config.env.CODEX_HOME ?? path.join(os.homedir(), '.codex');
  const label = 'Codex authentication';
  if (existsSync(path.join(home, 'auth.json'))) return { state: 'ok', label, detail: `logged in (${home}/auth.json)` };
  for (const key of ['OPENAI_API_KEY', 'CODEX_API_KEY']) if (config.env[key]) return { state: 'ok', label, detail: `${key} is set` };
  let toml = '';
  try {
    toml = readFileSync(path.join(home, 'config.toml'), 'utf8');
  } catch {
    // No config: only login or an API key would do.
  }
  const provider = /^\s*model_provider\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  const envKey = /^\s*env_key\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  if (provider && provider !== 'openai' && (!envKey || config.env[envKey])) {
    return { state: 'ok', label, detail: `custom model provider "${provider}" configured in ${home}/config.toml` };
  }
  return { state: 'fail', label, detail: `no login found in ${home}`, fix: 'run `codex login`, or set OPENAI_API_KEY' };
}

async function checkStateDir(config: Config): Promise<Check> {
  try {
    await new Registry(makePaths(config.home)).init();
    return { state: 'ok', label: 'State directory', detail: `${config.home} (private, 0700)` };
  } catch (error) {
    return { state: 'fail', label: 'State directory', detail: config.home, fix: errorMessage(error) };
  }
}

async function checkOpenClaw(config: Config): Promise<Check[]> {
  const credentials = resolveCredentials(config);
  const file = readOpenClawFile(config.gateway.configPath);
  if (!credentials.token && !credentials.hooksToken && !file.data) {
    return [{ state: 'skip', label: 'OpenClaw', detail: 'not configured (optional: agents poll with codex_status / codex_result)' }];
  }
  const url = credentials.url;
  const health = await call(url, '/health', 'GET');
  if (health.status !== 200) {
    return [{ state: 'fail', label: 'OpenClaw gateway', detail: `${url} is not reachable (${health.detail})`, fix: 'start it with `openclaw gateway`, or set OPENCLAW_GATEWAY_URL' }];
  }
  const checks: Check[] = [{ state: 'ok', label: 'OpenClaw gateway', detail: `${url} is up` }];
  // An unknown tool answers 404 to a valid token and 401 to a bad one: a check that sends nothing anywhere.
  const probe = await call(url, '/tools/invoke', 'POST', credentials.token, { tool: 'codex_delegate_doctor_probe', args: {} });
  checks.push(
    !credentials.token
      ? { state: 'fail', label: 'Gateway token', detail: 'none found', fix: `set OPENCLAW_GATEWAY_TOKEN, or gateway.auth.token in ${config.gateway.configPath}` }
      : probe.status === 401
        ? { state: 'fail', label: 'Gateway token', detail: 'rejected (401)', fix: 'use the value of gateway.auth.token from openclaw.json' }
        : { state: 'ok', label: 'Gateway token', detail: 'accepted' },
  );
  // A wake without text answers 400 when hooks are on and the token is right, and wakes nobody.
  const hook = await call(url, '/hooks/wake', 'POST', credentials.hooksToken, {});
  checks.push(
    !credentials.hooksToken
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
  return checks;
}

async function call(base: string, route: string, method: 'GET' | 'POST', token?: string, body?: unknown): Promise<{ status: number; detail: string }> {
  try {
    const { request } = await import('undici');
    const response = await request(new URL(route, base), {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      headersTimeout: 5000,
      bodyTimeout: 5000,
    });
    await response.body.dump();
    return { status: response.statusCode, detail: `HTTP ${response.statusCode}` };
  } catch (error) {
    return { status: 0, detail: errorMessage(error) };
  }
}

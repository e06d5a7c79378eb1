// Starts a real OpenClaw gateway (npm `openclaw`, installed outside the project
// with `npm install --prefix ~/.cache/openclaw openclaw@2026.9.6`) for contract
// tests: throwaway HOME/state dir, loopback bind on a free port, token auth,
// hooks on with their own token, and a preloaded network guard so it never
// leaves 127.0.0.1. Returns { skipped } instead of failing when OpenClaw or a
// new enough Node is not available, so the suite can say why it did not run.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface RealOpenClawOptions {
  hooks?: { allowRequestSessionKey?: boolean };
  /** gateway.tools.allow: lift tools off the HTTP deny list (e.g. "sessions_send"). */
  gatewayToolsAllow?: string[];
  readyTimeoutMs?: number;
}

export interface RealOpenClaw {
  url: string;
  gatewayToken: string;
  hooksToken: string;
  version: string;
  pid: number;
  /** Spawn to first 200 from GET /readyz. */
  readyMs: number;
  /** Resident memory of the gateway process (KiB), from /proc. */
  rssKiB(): number | undefined;
  stop(): Promise<void>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const GUARD = path.join(here, 'openclaw-guard.cjs');

export function openclawPackageDir(): string {
  return process.env.OPENCLAW_PACKAGE_DIR ?? path.join(os.homedir(), '.cache', 'openclaw', 'node_modules', 'openclaw');
}

// openclaw 2026.9.x declares engines ">=24.16.0 <25 || >=26.1.0".
function nodeTooOld(): string | undefined {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const ok = (major === 24 && minor >= 16) || major === 25 || (major === 26 && minor >= 1) || major > 26;
  return ok ? undefined : `openclaw needs Node >= 24.16 (this is ${process.versions.node})`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

export async function startRealOpenClaw(options: RealOpenClawOptions = {}): Promise<RealOpenClaw | { skipped: string }> {
  const pkgDir = openclawPackageDir();
  const entry = path.join(pkgDir, 'openclaw.mjs');
  if (!existsSync(entry)) return { skipped: `openclaw is not installed at ${pkgDir} (npm install --prefix ~/.cache/openclaw openclaw@2026.9.6)` };
  const old = nodeTooOld();
  if (old) return { skipped: old };
  const version = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version as string;

  const tmp = await mkdtemp(path.join(os.tmpdir(), 'openclaw-contract-'));
  const home = path.join(tmp, 'home');
  const stateDir = path.join(home, '.openclaw');
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const port = await freePort();
  const gatewayToken = `gw-${randomBytes(16).toString('hex')}`;
  const hooksToken = `hk-${randomBytes(16).toString('hex')}`; // must differ from the gateway token
  const allowKey = options.hooks?.allowRequestSessionKey === true;
  const config = {
    gateway: {
      mode: 'local', // without it `gateway run` refuses to start
      bind: 'loopback',
      port,
      auth: { mode: 'token', token: gatewayToken },
      ...(options.gatewayToolsAllow ? { tools: { allow: options.gatewayToolsAllow } } : {}),
    },
    hooks: {
      enabled: true,
      token: hooksToken,
      // persistent /hooks/agent runs need both the opt-in and a non-empty prefix list
      ...(allowKey ? { allowRequestSessionKey: true, allowedSessionKeyPrefixes: ['agent:', 'hook:'] } : {}),
    },
    logging: { file: path.join(tmp, 'openclaw.log') }, // default is a shared /tmp/openclaw dir
    update: { checkOnStart: false }, // no telemetry.openclaw.ai version check
    discovery: { mdns: { mode: 'off' } },
    models: { catalogRefresh: { enabled: false } }, // no hosted model catalog download
    telemetry: { enabled: false },
  };
  // Tokens go in a 0600 file, never on the command line (visible in ps).
  const configPath = path.join(stateDir, 'openclaw.json');
  await writeFile(configPath, JSON.stringify(config, null, 2), { mode: 0o600 });

  const outPath = path.join(tmp, 'gateway.out');
  const out = openSync(outPath, 'a');
  const started = Date.now();
  // A minimal env: nothing from the caller's OpenClaw setup (OPENCLAW_* vars, real HOME) leaks in.
  const child = spawn(process.execPath, [entry, 'gateway', 'run'], {
    cwd: tmp,
    detached: true, // own process group, so stop() can kill the gateway and its helpers together
    stdio: ['ignore', out, out],
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      TMPDIR: tmp,
      OPENCLAW_STATE_DIR: stateDir,
      OPENCLAW_CONFIG_PATH: configPath,
      OPENCLAW_NO_AUTO_UPDATE: '1',
      OPENCLAW_DISABLE_BONJOUR: '1',
      NODE_OPTIONS: `--require ${GUARD}`,
      ...(process.env.OPENCLAW_GUARD_LOG ? { OPENCLAW_GUARD_LOG: process.env.OPENCLAW_GUARD_LOG } : {}),
      NO_COLOR: '1',
    },
  });
  closeSync(out);
  const pid = child.pid!;
  let exited: string | undefined;
  child.once('exit', (code, signal) => { exited = `exited with ${signal ?? code}`; });

  const readOut = () => { try { return readFileSync(outPath, 'utf8'); } catch { return ''; } };
  const logTail = () => readOut().split('\n').slice(-25).join('\n');
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // The spawn broker runs in its own process group: remember it before the log goes.
    const broker = Number(/spawn broker ready pid=(\d+)/.exec(readOut())?.[1]);
    if (!exited) {
      try { process.kill(-pid, 'SIGTERM'); } catch { /* already gone */ }
      // A clean shutdown takes ~0.3-3 s; a stuck channel can hold it for 30 s+.
      for (let i = 0; i < 100 && alive(-pid); i++) await sleep(100);
      try { process.kill(-pid, 'SIGKILL'); } catch { /* already gone */ }
    }
    if (broker && alive(broker)) { try { process.kill(broker, 'SIGKILL'); } catch { /* gone */ } }
    if (!process.env.OPENCLAW_TEST_KEEP) await rm(tmp, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = started + (options.readyTimeoutMs ?? 120_000);
  for (;;) {
    if (exited) { const tail = logTail(); await stop(); throw new Error(`openclaw gateway ${exited} before ready:\n${tail}`); }
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      if (res.status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) { const tail = logTail(); await stop(); throw new Error(`openclaw gateway not ready after ${Date.now() - started} ms:\n${tail}`); }
    await sleep(200);
  }
  const readyMs = Date.now() - started;

  const rssKiB = () => {
    try { return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]); } catch { return undefined; }
  };
  return { url, gatewayToken, hooksToken, version, pid, readyMs, rssKiB, stop };
}

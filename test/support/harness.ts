import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MOCK_ENV, startMockModel, writeCodexHome, type MockModel } from './mock-model.ts';

/** The project root, and the places tests keep their temporary state. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CODEX_BIN = path.join(ROOT, 'node_modules', '.bin', 'codex');
// Codex refuses to create its helper binaries under /tmp, so test homes live in the project's cache.
const TMP_ROOT = path.join(ROOT, '.cache', 'tmp');

export async function tempDir(prefix: string): Promise<string> {
  await mkdir(TMP_ROOT, { recursive: true });
  return mkdtemp(path.join(TMP_ROOT, `${prefix}-`));
}

/** A private world for one test: a mock model, a CODEX_HOME pointing at it, a state dir and a workspace. */
export interface World {
  root: string;
  model: MockModel;
  codexHome: string;
  stateDir: string;
  workspace: string;
  /** The environment a server or runner under test gets (no inherited variables besides PATH and HOME). */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function createWorld(extraEnv: Record<string, string> = {}): Promise<World> {
  const root = await tempDir('world');
  const model = await startMockModel();
  const codexHome = path.join(root, 'codex-home');
  const stateDir = path.join(root, 'state');
  const workspace = path.join(root, 'workspace');
  await writeCodexHome(codexHome, model.url);
  await mkdir(workspace, { recursive: true });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? root,
    CODEX_HOME: codexHome,
    CODEX_BIN,
    CODEX_DELEGATE_HOME: stateDir,
    CODEX_DELEGATE_DEFAULT_CWD: workspace,
    CODEX_DELEGATE_KILL_GRACE_MS: '2000',
    ...MOCK_ENV,
    // A run of the suite under the other engine (test/e2e/tools-exec.test.ts) passes it down.
    ...(process.env.CODEX_DELEGATE_ENGINE ? { CODEX_DELEGATE_ENGINE: process.env.CODEX_DELEGATE_ENGINE } : {}),
    ...extraEnv,
  };
  return {
    root,
    model,
    codexHome,
    stateDir,
    workspace,
    env,
    async close() {
      await model.close();
      // A runner may still be retrying a notification into the state dir: retry the removal.
      await rm(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}

/**
 * The server environment that points notifications at a gateway (fake or real) with its
 * tokens, and at no OpenClaw config file, so a user's own ~/.openclaw never leaks into a test.
 */
export function gatewayEnv(gateway: { url: string; gatewayToken: string; hooksToken: string }): Record<string, string> {
  return {
    OPENCLAW_GATEWAY_URL: gateway.url,
    OPENCLAW_GATEWAY_TOKEN: gateway.gatewayToken,
    OPENCLAW_HOOKS_TOKEN: gateway.hooksToken,
    OPENCLAW_CONFIG_PATH: '/nonexistent/openclaw.json',
  };
}

// `npm run demo`: the real server over stdio, the real Codex CLI, and — unless `--real` is given —
// the embedded mock model, so it works with no OpenAI account and no network.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT, CODEX_BIN } from '../test/support/harness.ts';
import { startClient } from '../test/support/mcp-client.ts';
import { MOCK_ENV, startMockModel, writeCodexHome } from '../test/support/mock-model.ts';

const real = process.argv.includes('--real');
const say = (line: string) => process.stdout.write(`${line}\n`);

const root = await mkdtemp(path.join(await ensure(path.join(ROOT, '.cache', 'demo')), 'run-'));
const workspace = await ensure(path.join(root, 'workspace'));
const model = real ? undefined : await startMockModel();
const env: Record<string, string> = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? root,
  CODEX_DELEGATE_HOME: path.join(root, 'state'),
  CODEX_DELEGATE_DEFAULT_CWD: workspace,
  CODEX_BIN: process.env.CODEX_BIN ?? CODEX_BIN,
};
if (model) {
  await writeCodexHome(path.join(root, 'codex-home'), model.url);
  Object.assign(env, { CODEX_HOME: path.join(root, 'codex-home') }, MOCK_ENV);
} else if (process.env.CODEX_HOME) {
  env.CODEX_HOME = process.env.CODEX_HOME;
}

say(`codex-delegate-mcp demo — ${model ? `embedded mock model at ${model.url}` : 'your Codex login (real model)'}`);
say(`workspace: ${workspace}\n`);
const client = await startClient(env);
try {
  const prompt = model
    ? 'Create hello.txt with a greeting, then show it.\n@write hello.txt Hello from Codex, delegated over MCP!\n@run sleep 1.5 && cat hello.txt\n@reply Created hello.txt and printed it: "Hello from Codex, delegated over MCP!"'
    : 'Create a file hello.txt containing a one-line greeting, then print it with cat. Reply with one sentence.';
  const started = Date.now();
  const launched = await client.ok('codex_launch', { prompt, label: 'demo: hello.txt', timeoutSeconds: 600 });
  say(`→ codex_launch answered in ${Date.now() - started} ms: session ${launched.sessionId} is ${launched.status}`);
  let last = '';
  for (;;) {
    const status = await client.call('codex_status', { sessionId: launched.sessionId });
    const view = status.structuredContent as { status: string };
    const line = (status.content[0] as { text: string }).text;
    if (line !== last) say(`  status: ${line}`);
    last = line;
    if (view.status !== 'running' && view.status !== 'queued') break;
    await sleep(250);
  }
  const result = await client.call('codex_result', { sessionId: launched.sessionId });
  say(`\n→ codex_result:\n${(result.content[0] as { text: string }).text}`);
  say(`\ndone in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} finally {
  await client.close();
  await model?.close();
  await rm(root, { recursive: true, force: true });
}

async function ensure(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return dir;
}

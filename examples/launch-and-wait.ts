// Launch a Codex task through codex-delegate-mcp, wait for it, print the answer.
//
//   node launch-and-wait.ts "Summarise README.md in three bullets" [/abs/working/dir] [--isolated]
//
// --isolated: Codex works in its own git worktree (the directory must be in a git repository);
// the example prints the diff and leaves the choice to codex_apply (apply, keep or discard).
//
// Needs Node >= 22.18 (runs TypeScript directly) and `npm i @modelcontextprotocol/sdk`.
// The server is started with `npx -y codex-delegate-mcp` unless CODEX_DELEGATE_MCP_COMMAND
// (and CODEX_DELEGATE_MCP_ARGS, a JSON array) say otherwise, e.g. for a checkout:
//   CODEX_DELEGATE_MCP_COMMAND=node CODEX_DELEGATE_MCP_ARGS='["dist/server/main.js"]'
// The server gets this process's environment (CODEX_DELEGATE_*, CODEX_HOME, …).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

const isolated = process.argv.includes('--isolated');
const [prompt = 'Say hello', cwd] = process.argv.slice(2).filter((arg) => arg !== '--isolated');
const command = process.env.CODEX_DELEGATE_MCP_COMMAND ?? 'npx';
const args: string[] = process.env.CODEX_DELEGATE_MCP_ARGS
  ? JSON.parse(process.env.CODEX_DELEGATE_MCP_ARGS)
  : ['-y', 'codex-delegate-mcp'];
const env = Object.fromEntries(
  Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
);

const client = new Client({ name: 'launch-and-wait', version: '1.0.0' });
await client.connect(new StdioClientTransport({ command, args, env }));

/** Calls a tool; a tool error (isError) becomes an exception with the server's sentence. */
async function call(name: string, toolArgs: Record<string, unknown>): Promise<Record<string, any>> {
  const result = (await client.callTool({ name, arguments: toolArgs })) as CallToolResult;
  if (result.isError) throw new Error(`${name}: ${result.content.map((c) => (c.type === 'text' ? c.text : '')).join(' ')}`);
  return result.structuredContent ?? {};
}

let exitCode = 1;
try {
  const launched = await call('codex_launch', { prompt, ...(cwd ? { cwd } : {}), ...(isolated ? { isolation: 'worktree' } : {}) });
  const sessionId: string = launched.sessionId;
  console.error(`launched ${sessionId} in ${launched.worktree ? `${launched.worktree.path} (branch ${launched.worktree.branch})` : launched.cwd}`);
  for (const warning of launched.warnings ?? []) console.error(`warning: ${warning}`);

  // codex_status returns at once or, with waitSeconds, when the task ends (whichever is first),
  // so this loop makes one call per 30 s of work and reports progress in between.
  let status = launched.status as string;
  while (status === 'queued' || status === 'running') {
    const view = await call('codex_status', { sessionId, waitSeconds: 30 });
    status = view.status;
    console.error(`${status}${view.activity ? `: ${view.activity}` : ''}`);
  }

  // The answer comes in pages; follow nextOffset until it is null.
  let offset: number | null = 0;
  while (offset !== null) {
    const page = await call('codex_result', { sessionId, offset });
    process.stdout.write(page.text);
    offset = page.nextOffset;
    if (offset === null && page.error) console.error(`error: ${page.error}`);
  }
  process.stdout.write('\n');
  // In a git repository every turn has a diff: paths relative to the repository root, +/- per file.
  const { diff } = await call('codex_result', { sessionId, maxChars: 1 });
  if (diff) for (const file of diff.files) console.error(`${file.status} ${file.path} +${file.additions} -${file.deletions}`);
  if (launched.worktree) {
    console.error(`Nothing is in your tree yet: codex_result { sessionId: "${sessionId}", view: "patch" } shows the patch; codex_apply { sessionId: "${sessionId}", action: "apply" | "keep" | "discard" } settles it.`);
  }
  exitCode = status === 'succeeded' ? 0 : 1;
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
} finally {
  await client.close();
}
process.exit(exitCode);

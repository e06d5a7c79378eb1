#!/usr/bin/env node
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { loadConfig } from '../config.ts';
import { errorMessage } from '../errors.ts';
import { startReadyTurns } from '../runner/scheduler.ts';
import { makePaths } from '../store/paths.ts';
import { reconcile } from '../store/reconcile.ts';
import { Registry } from '../store/registry.ts';
import { VERSION } from '../version.ts';
import { createServer } from './create-server.ts';

// stdout carries MCP and nothing else; every log line goes to stderr.
const log = (message: string) => process.stderr.write(`[codex-delegate-mcp] ${message}\n`);

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--version') || argv.includes('-v')) {
    process.stderr.write(`${VERSION}\n`);
    return;
  }
  const config = loadConfig();
  const paths = makePaths(config.home);
  const registry = new Registry(paths, log);
  const server = createServer({ config, registry, paths, log });
  await server.connect(new StdioServerTransport());

  // Runners are detached and own their turns: leaving never touches them.
  const exit = () => process.exit(0);
  process.stdin.on('end', exit).on('close', exit);
  process.on('SIGTERM', exit).on('SIGINT', exit).on('SIGHUP', exit);

  // After answering `initialize` is possible: reconcile sessions a crash left behind, start what waits.
  setImmediate(() => {
    registry
      .init()
      .then(() => reconcile(registry))
      .then(() => startReadyTurns(config, registry, paths))
      .catch((error) => log(`start-up housekeeping failed: ${errorMessage(error)}`));
  });
}

main(process.argv.slice(2)).catch((error) => {
  log(errorMessage(error));
  process.exit(1);
});

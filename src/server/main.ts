#!/usr/bin/env node
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { loadConfig } from '../config.ts';
import { errorMessage } from '../errors.ts';
import { deliverLeftovers, reconcileAndStart } from '../notify/housekeeping.ts';
import { Notifier } from '../notify/notifier.ts';
import { makePaths } from '../store/paths.ts';
import { pruneOldSessions } from '../store/retention.ts';
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
  const notifier = Notifier.fromConfig(config);
  const deps = { config, registry, paths, notifier, log };
  const server = createServer(deps);
  await server.connect(new StdioServerTransport());

  // Runners are detached and own their turns: leaving never touches them.
  const exit = () => process.exit(0);
  process.stdin.on('end', exit).on('close', exit);
  process.on('SIGTERM', exit).on('SIGINT', exit).on('SIGHUP', exit);

  // After answering `initialize` is possible: reconcile sessions a crash left behind, start what waits.
  setImmediate(() => {
    registry
      .init()
      .then(() => pruneOldSessions(registry, paths, config.retentionDays))
      .then(() => reconcileAndStart(deps))
      .then(() => deliverLeftovers(deps))
      .catch((error) => log(`start-up housekeeping failed: ${errorMessage(error)}`));
  });
}

main(process.argv.slice(2)).catch((error) => {
  log(errorMessage(error));
  process.exit(1);
});

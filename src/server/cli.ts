import { existsSync } from 'node:fs';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { HELP } from '../cli/help.ts';
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
  // Command-line modes answer a person on stdout; only the server itself keeps stdout for MCP.
  if (argv.includes('--version') || argv.includes('-v')) {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP);
    return;
  }
  const config = loadConfig();
  if (argv[0] === 'doctor') {
    // Loaded only here: the doctor pulls in execa, which the server itself never needs.
    const { formatChecks, runDoctor } = await import('../cli/doctor.ts');
    const checks = await runDoctor(config);
    process.stdout.write(`codex-delegate-mcp ${VERSION} doctor\n${formatChecks(checks)}\n`);
    process.exitCode = checks.some((c) => c.state === 'fail') ? 1 : 0;
    return;
  }
  if (argv.length > 0) throw new Error(`Unknown argument "${argv[0]}". Run codex-delegate-mcp --help.`);
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
    // No state directory yet: nothing to clean up, and starting or listing tools must not create it
    // (the first launch does, with its checks).
    if (!existsSync(paths.home)) return;
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

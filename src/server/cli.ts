import { existsSync } from 'node:fs';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { STDIO_DEFAULT_MAX_BUFFER_SIZE } from '@modelcontextprotocol/sdk/shared/stdio.js';
import { HELP } from '../cli/help.ts';
import { loadConfig } from '../config.ts';
import { errorMessage } from '../errors.ts';
import { deliverLeftovers, reconcileAndStart } from '../runner/housekeeping.ts';
import { Notifier } from '../notify/notifier.ts';
import { makePaths } from '../store/paths.ts';
import { MAX_PER_MOVE } from '../store/archiving.ts';
import { pruneOldSessions } from '../store/retention.ts';
import { sweepPendingSettings } from '../store/turn-input.ts';
import { startGatheredRunners } from '../runner/start-runner.ts';
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
    // Loaded only here: the doctor's checks (and the execa they run Codex with) are no part of serving.
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
  watchConnection(server);
  await server.connect(new StdioServerTransport(process.stdin, process.stdout, { maxBufferSize: MAX_MESSAGE_BYTES }));

  // Runners are detached and own their turns: leaving never touches them (and starts those of turns
  // just recorded, see spawnRunnersTogether).
  const exit = () => {
    startGatheredRunners();
    process.exit(0);
  };
  process.stdin.on('end', exit).on('close', exit);
  process.on('SIGTERM', exit).on('SIGINT', exit).on('SIGHUP', exit);

  // After answering `initialize` is possible: reconcile sessions a crash left behind, start what waits.
  setImmediate(() => {
    // No state directory yet: nothing to clean up, and starting or listing tools must not create it
    // (the first launch does, with its checks).
    if (!existsSync(paths.home)) return;
    registry
      .init()
      .then(() => pruneOldSessions(registry, paths, config.retentionDays, Date.now(), log))
      .then(() => reconcileAndStart(deps))
      .then(() => sweepPendingSettings(registry))
      .then(() => registry.sweepDebris())
      .then(() => deliverLeftovers(deps))
      // Also migrates a registry of the previous format (every session ever kept in one file).
      .then(async () => {
        // In batches, so a runner waiting for the lock meanwhile never waits long.
        while ((await registry.archiveSettled()) >= MAX_PER_MOVE);
      })
      .catch((error) => log(`start-up housekeeping failed: ${errorMessage(error)}`));
  });
}

/** The SDK's own limit for one message on stdin, passed explicitly so the message below stays true. */
const MAX_MESSAGE_BYTES = STDIO_DEFAULT_MAX_BUFFER_SIZE;

/**
 * The stdio transport reports a line that is not JSON-RPC as an error and goes
 * on; it closes itself only when one message overflows its read buffer, and
 * then stops reading stdin for good. Left alone, the process then either exits
 * 0 or sits answering nothing, depending on what else keeps it alive. So: say
 * each problem on stderr, and on close exit non-zero so the host restarts us.
 */
function watchConnection(server: McpServer): void {
  let closed = false;
  let lastError: unknown;
  server.server.onerror = (error) => {
    lastError = error;
    // Deferred: the overflow error comes right before the close, and is reported with it.
    setImmediate(() => {
      if (!closed) log(`ignored a line on stdin that is not a JSON-RPC message, or a message that could not be handled: ${errorMessage(error)}`);
    });
  };
  server.server.onclose = () => {
    closed = true;
    log(
      `the client sent a message larger than ${MAX_MESSAGE_BYTES / 1024 / 1024} MB, the most the MCP stdio transport reads at once` +
        `${lastError ? ` (${errorMessage(lastError)})` : ''}; the connection cannot continue after a cut message, so the server exits (code 1) ` +
        'for the client to start it again. Put large content in a file and pass its path instead.',
    );
    process.exit(1);
  };
}

main(process.argv.slice(2)).catch((error) => {
  log(errorMessage(error));
  process.exit(1);
});

import type { CodexChild, CodexCommand } from '../codex-child.ts';
import { buildCodexArgs } from '../command.ts';
import type { CodexTurnBase, EngineEvent, EngineTurn } from '../engine.ts';
import { parseEventLine } from '../events.ts';
import { foldEvent, initialProgress, showsProgress, type Progress } from '../fold-events.ts';
import { startCodex } from '../run-codex.ts';

export interface ExecTurnOptions extends CodexTurnBase {
  /** Codex's `-o` file, created 0600 by the caller beforehand. */
  lastMessageFile: string;
  onStderr: (chunk: Buffer) => void;
  /** `execCommand(options)`, started already and not yet written to; else it is started here. */
  child?: CodexChild;
}

/** The `codex exec` process of a turn; the prompt goes to its stdin. */
export function execCommand(options: Omit<ExecTurnOptions, 'prompt' | 'onStderr' | 'child'>): CodexCommand {
  return {
    bin: options.bin,
    args: buildCodexArgs({
      cwd: options.cwd,
      sandbox: options.sandbox,
      model: options.model,
      reasoningEffort: options.reasoningEffort,
      lastMessageFile: options.lastMessageFile,
      resumeThreadId: options.threadId,
    }),
    cwd: options.cwd,
    env: options.env,
  };
}

/** Names the setting, so a person knows how to get the feature. */
export const EXEC_CANNOT = (what: string) =>
  `${what} needs the app-server engine, and this server runs Codex with CODEX_DELEGATE_ENGINE=exec. Unset CODEX_DELEGATE_ENGINE (or set it to app-server) and restart the server.`;

/**
 * Runs one turn on `codex exec --json` behind the engine interface: each stdout
 * line is parsed and folded into progress. It cannot steer or ask for
 * approvals; interrupting it is SIGTERM to Codex (the runner stops the rest of
 * the process group after that).
 */
export function startExecTurn(options: ExecTurnOptions): EngineTurn {
  const codex = startCodex({
    command: execCommand(options),
    ...(options.child ? { child: options.child } : {}),
    prompt: options.prompt,
    onStderr: options.onStderr,
  });
  return {
    pid: codex.pid,
    events: events(codex.lines, options.threadId),
    // stderr is drained (or given up on) before the turn counts as exited, so its log is whole.
    exited: codex.exited.then(async (exit) => {
      await codex.stderrDone;
      return exit;
    }),
    steer: () => Promise.reject(new Error(EXEC_CANNOT('Steering a running turn'))),
    answerApproval: () => Promise.reject(new Error(EXEC_CANNOT('Answering approval requests'))),
    async interrupt() {
      if (codex.pid !== undefined) {
        try {
          process.kill(codex.pid, 'SIGTERM');
        } catch {
          // Already gone.
        }
      }
    },
  };
}

async function* events(lines: AsyncIterable<import('../line-splitter.ts').StdoutLine>, threadId: string | null): AsyncGenerator<EngineEvent> {
  let progress: Progress = initialProgress(threadId);
  for await (const line of lines) {
    if (line.kind === 'cut') {
      yield {
        line: JSON.stringify({ type: 'codex-delegate.line_cut', bytes: line.bytes, head: line.head.slice(0, 300) }),
        progress,
        transition: false,
        problem: `a stdout line of ${line.bytes} bytes was too long to read and was left out: ${line.head.slice(0, 120)}`,
        ...(/"type"\s*:\s*"agent_message"/.test(line.head) ? { answerLost: true } : {}),
      };
      continue;
    }
    const parsed = parseEventLine(line.text);
    if (!parsed.ok) {
      yield { line: line.text, progress, transition: false, problem: `ignored stdout line: ${parsed.reason}` };
      continue;
    }
    const next = foldEvent(progress, parsed.event);
    const transition = next.threadId !== progress.threadId || next.completed || next.failure !== progress.failure;
    progress = next;
    yield { line: line.text, progress, transition, ...(showsProgress(parsed.event) ? {} : { idle: true }) };
  }
}

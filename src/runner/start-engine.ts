import { buildCodexEnv } from '../codex/command.ts';
import type { ApprovalMode, CodexTurnBase, EngineTurn } from '../codex/engine.ts';
import { startAppServerTurn } from '../codex/app-server/engine.ts';
import { startExecTurn } from '../codex/exec/engine.ts';
import type { Config } from '../config.ts';
import type { Session } from '../store/session.ts';

export interface EngineStart {
  config: Config;
  session: Session;
  turnNo: number;
  bin: string;
  prompt: string;
  /** Variables every command of the turn must carry (the turn's marker). */
  extraEnv: Record<string, string>;
  lastMessageFile: string;
  onStderr: (chunk: Buffer) => void;
  approvals: ApprovalMode;
  images: string[];
  outputSchema: unknown;
  log: (message: string) => void;
}

/** Starts the turn on the engine the config names; both give the runner the same EngineTurn. */
export function startEngine(start: EngineStart): EngineTurn {
  const { session } = start;
  const base: CodexTurnBase = {
    bin: start.bin,
    cwd: session.cwd,
    env: { ...buildCodexEnv(start.config.env), ...start.extraEnv },
    sandbox: session.sandbox,
    model: session.model,
    reasoningEffort: session.reasoningEffort,
    threadId: start.turnNo > 1 ? session.threadId : null,
    prompt: start.prompt,
  };
  if (start.config.engine === 'exec') {
    return startExecTurn({ ...base, lastMessageFile: start.lastMessageFile, onStderr: start.onStderr });
  }
  return startAppServerTurn({
    ...base,
    approvals: start.approvals,
    ...(start.images.length > 0 ? { images: start.images } : {}),
    ...(start.outputSchema !== undefined && start.outputSchema !== null ? { outputSchema: start.outputSchema } : {}),
    onStderr: start.onStderr,
    log: start.log,
    exitGraceMs: Math.min(start.config.killGraceMs, 5000),
  });
}

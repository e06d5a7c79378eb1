import type { ApprovalMode, EngineTurn } from '../codex/engine.ts';
import { startAppServerTurn } from '../codex/app-server/engine.ts';
import { startExecTurn } from '../codex/exec/engine.ts';
import type { CodexChild, CodexCommand } from '../codex/codex-child.ts';
import type { Config } from '../config.ts';
import type { Session } from '../store/session.ts';
import type { EarlyCodex } from './early-codex.ts';
import { turnBase, turnCommand, type TurnCommandInput } from './turn-command.ts';

export interface EngineStart {
  config: Config;
  session: Session;
  turnNo: number;
  bin: string;
  prompt: string;
  /** Codex started before the claim: used when it runs exactly this turn's command. */
  early: EarlyCodex | undefined;
  lastMessageFile: string;
  onStderr: (chunk: Buffer) => void;
  approvals: ApprovalMode;
  images: string[];
  outputSchema: unknown;
  log: (message: string) => void;
}

/** Starts the turn on the engine the config names; both give the runner the same EngineTurn. */
export function startEngine(start: EngineStart): EngineTurn {
  const input: TurnCommandInput = {
    engine: start.config.engine,
    bin: start.bin,
    env: start.config.env,
    session: start.session,
    turnNo: start.turnNo,
    lastMessageFile: start.lastMessageFile,
  };
  const base = turnBase(input);
  const child = adoptEarly(start.early, turnCommand(input, base), start.log);
  if (start.config.engine === 'exec') {
    return startExecTurn({ ...base, prompt: start.prompt, lastMessageFile: start.lastMessageFile, onStderr: start.onStderr, ...child });
  }
  return startAppServerTurn({
    ...base,
    prompt: start.prompt,
    approvals: start.approvals,
    ...(start.images.length > 0 ? { images: start.images } : {}),
    ...(start.outputSchema !== undefined && start.outputSchema !== null ? { outputSchema: start.outputSchema } : {}),
    onStderr: start.onStderr,
    log: start.log,
    exitGraceMs: Math.min(start.config.killGraceMs, 5000),
    ...child,
  });
}

function adoptEarly(early: EarlyCodex | undefined, command: CodexCommand, log: (message: string) => void): { child?: CodexChild } {
  if (!early) return {};
  const adopted = early.adopt(command);
  if ('child' in adopted) return { child: adopted.child };
  log(`Codex started early (pid ${early.pid}) was not used and was stopped: ${adopted.refused}`);
  return {};
}

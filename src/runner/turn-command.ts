import { appServerCommand } from '../codex/app-server/engine.ts';
import type { CodexCommand } from '../codex/codex-child.ts';
import { buildCodexEnv } from '../codex/command.ts';
import type { CodexTurnBase } from '../codex/engine.ts';
import { execCommand } from '../codex/exec/engine.ts';
import type { Engine } from '../config.ts';
import { TURN_VARIABLE, turnMarker } from '../process/turn-processes.ts';
import type { Session } from '../store/session.ts';

/** What decides the Codex process of a turn. The server that accepts a turn and the runner that runs it compute it alike. */
export interface TurnCommandInput {
  engine: Engine;
  bin: string;
  /** The turn's environment as the runner loads it (see runnerEnvironment); secrets are removed here. */
  env: Readonly<NodeJS.ProcessEnv>;
  session: Pick<Session, 'id' | 'cwd' | 'worktree' | 'sandbox' | 'model' | 'reasoningEffort' | 'threadId'>;
  turnNo: number;
  lastMessageFile: string;
}

/** The environment a runner loads its configuration from: the accepting server's, with the state directory it was started for. */
export function runnerEnvironment(env: Readonly<NodeJS.ProcessEnv>, home: string): NodeJS.ProcessEnv {
  return { ...env, CODEX_DELEGATE_HOME: home };
}

/** Where Codex works: the session's own worktree for an isolated session, else its cwd. */
export function codexWorkingDirectory(session: Pick<Session, 'cwd' | 'worktree'>): string {
  return session.worktree?.runCwd ?? session.cwd;
}

/** Everything about a turn's Codex but its prompt. */
export function turnBase(input: TurnCommandInput): Omit<CodexTurnBase, 'prompt'> {
  const { session } = input;
  return {
    bin: input.bin,
    cwd: codexWorkingDirectory(session),
    // The marker is passed down to every command Codex runs, so the turn can find them all at its end.
    env: { ...buildCodexEnv(input.env), [TURN_VARIABLE]: turnMarker(session.id, input.turnNo) },
    sandbox: session.sandbox,
    model: session.model,
    reasoningEffort: session.reasoningEffort,
    threadId: input.turnNo > 1 ? session.threadId : null,
  };
}

/** The command line, directory and environment the turn's Codex starts with. */
export function turnCommand(input: TurnCommandInput, base = turnBase(input)): CodexCommand {
  return input.engine === 'exec' ? execCommand({ ...base, lastMessageFile: input.lastMessageFile }) : appServerCommand(base);
}

import type { Sandbox } from '../store/session.ts';
import type { CodexExit } from './codex-child.ts';
import type { Progress } from './fold-events.ts';

/**
 * The one small interface a runner drives a Codex turn through, whichever
 * engine runs it (`codex exec --json` or `codex app-server`). The runner
 * starts a turn, reads events until they end, and may steer, interrupt or
 * answer an approval meanwhile; it never sees the engine's wire format.
 */
export interface EngineTurn {
  /** The Codex process, a member of the caller's process group. */
  pid: number | undefined;
  /** One event per line Codex printed, in order; ends when Codex's stdout closes. */
  events: AsyncIterable<EngineEvent>;
  /** Codex's exit; resolves after `events` ended. */
  exited: Promise<EngineExit>;
  /** Adds text to the running turn. Rejects with a sentence when no turn is running or the engine cannot steer. */
  steer(text: string): Promise<void>;
  /** Stops the turn (it ends `interrupted`) and then the process. */
  interrupt(): Promise<void>;
  /** Answers a pending approval request by the id of its `approval` event. */
  answerApproval(id: string, decision: ApprovalDecision): Promise<void>;
}

export interface EngineEvent {
  /** The raw line, for the turn's event log; null for events the engine made up (e.g. a failed handshake). */
  line: string | null;
  /** The turn's progress after this line (the same object when the line changed nothing). */
  progress: Progress;
  /** The change matters enough to persist now (thread id known, turn ended). */
  transition: boolean;
  /** Set when Codex waits for a person's decision; the turn is blocked until `answerApproval`. */
  approval?: ApprovalRequest;
  /** Why a line was not understood; for the runner's log. */
  problem?: string;
  /** The line shows no work getting done (a retry notice, a warning): it does not move lastEventAt, so a stuck run looks stuck. */
  idle?: boolean;
  /** A line too long to read looked like an agent message: the answer after it is not known. */
  answerLost?: boolean;
}

/** What starting a turn needs on either engine; each engine's options add their own. */
export interface CodexTurnBase {
  bin: string;
  cwd: string;
  /** Codex's environment, secrets already removed. */
  env: Record<string, string>;
  sandbox: Sandbox;
  model: string | null;
  reasoningEffort: string | null;
  /** The thread to continue (a new process resumes it), or null for a new thread. */
  threadId: string | null;
  prompt: string;
}

/** How the engine's Codex process ended (the same for both engines). */
export type EngineExit = CodexExit;

/** How approval requests are handled: never asked (Codex decides inside the sandbox), reviewed by Codex's own reviewer, or asked of a person. */
export type ApprovalMode = 'never' | 'auto' | 'ask';

export type ApprovalDecision = 'accept' | 'acceptForSession' | 'decline' | 'cancel';

export interface ApprovalRequest {
  id: string;
  kind: 'command' | 'fileChange' | 'permissions';
  /** The command without its shell wrapper (`echo hi`, not `/bin/bash -c 'echo hi'`). */
  command: string | null;
  cwd: string | null;
  /** Codex's question or justification, in the model's words. */
  reason: string | null;
  /** Files a change would touch, or paths a permission request asks to write. */
  files: string[];
  decisions: ApprovalDecision[];
}

import type { Sandbox } from '../store/session.ts';

/** Everything that decides how `codex exec` is invoked for one turn. Pure data. */
export interface CodexInvocation {
  cwd: string;
  sandbox: Sandbox;
  model: string | null;
  reasoningEffort: string | null;
  lastMessageFile: string;
  /** Set for the second and later turns of a session. */
  resumeThreadId: string | null;
}

/**
 * argv for `codex exec --json`. The prompt is never here: it goes to stdin
 * (`-`), because every local user can read a process's command line.
 * `-C` and `-s` belong before `resume`, which has no flags of its own; the
 * sandbox is also pinned through `-c sandbox_mode` because a resumed thread
 * must never fall back to a looser policy than the session was created with.
 */
export function buildCodexArgs(run: CodexInvocation): string[] {
  const args = ['exec', '--json', '--skip-git-repo-check', '-C', run.cwd, '-s', run.sandbox];
  args.push('-c', `sandbox_mode=${tomlString(run.sandbox)}`);
  if (run.model) args.push('-m', run.model);
  if (run.reasoningEffort) args.push('-c', `model_reasoning_effort=${tomlString(run.reasoningEffort)}`);
  args.push('-o', run.lastMessageFile);
  if (run.resumeThreadId) args.push('resume', run.resumeThreadId);
  args.push('-');
  return args;
}

/** Variables that must never reach Codex: it runs model-chosen shell commands with its environment. */
export function isSecretVariable(name: string): boolean {
  return /^OPENCLAW_.*(TOKEN|PASSWORD|SECRET)/i.test(name);
}

export function withoutSecrets(env: Readonly<NodeJS.ProcessEnv>): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && !isSecretVariable(name)) clean[name] = value;
  }
  return clean;
}

export const buildCodexEnv = withoutSecrets;

function tomlString(value: string): string {
  return JSON.stringify(value);
}

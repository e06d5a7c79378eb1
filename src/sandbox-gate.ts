import type { Config } from './config.ts';
import { UserError } from './errors.ts';

/**
 * The one rule for `danger-full-access`, applied wherever a turn is accepted or
 * started (launch, resume, the runner): only a configuration that allows it may
 * run it, whatever an earlier server allowed when the session was created.
 */
export function assertSandboxAllowed(sandbox: string, config: Pick<Config, 'allowDanger'>): void {
  if (sandbox === 'danger-full-access' && !config.allowDanger) {
    throw new UserError(
      'forbidden',
      'sandbox "danger-full-access" is disabled; start the server with CODEX_DELEGATE_ALLOW_DANGER=1 to allow it, or use workspace-write.',
    );
  }
}

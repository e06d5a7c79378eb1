import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.ts';

const INSTALL_HINT = 'Install it with `npm i -g @openai/codex`, or set CODEX_BIN to the full path of the codex executable.';

/** Finds the Codex CLI: CODEX_BIN when set, else `codex` on PATH. */
export async function locateCodex(codexBin: string | undefined, env: Readonly<NodeJS.ProcessEnv>): Promise<string> {
  if (codexBin) {
    if (await isExecutable(codexBin)) return path.resolve(codexBin);
    throw new UserError('codex_missing', `CODEX_BIN points to ${codexBin}, which is not an executable file. ${INSTALL_HINT}`);
  }
  const names = process.platform === 'win32' ? ['codex.cmd', 'codex.exe', 'codex'] : ['codex'];
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of names) {
      const candidate = path.join(dir, name);
      if (await isExecutable(candidate)) return candidate;
    }
  }
  throw new UserError('codex_missing', `The Codex CLI was not found on PATH. ${INSTALL_HINT}`);
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

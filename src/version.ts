import { readFileSync } from 'node:fs';

// The server bundle (dist/server/, scripts/build.ts) has the version written in at build time;
// everywhere else package.json sits two levels up from both src/version.ts and dist/version.js.
const bundled = process.env.CODEX_DELEGATE_BUNDLED_VERSION;

export const VERSION: string =
  bundled ?? (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

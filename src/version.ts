import { readFileSync } from 'node:fs';

// The bundles (dist/server/ and dist/runner/, scripts/build.ts) have the version written in at
// build time; run from source, package.json sits one level up from src/.
const bundled = process.env.CODEX_DELEGATE_BUNDLED_VERSION;

export const VERSION: string =
  bundled ?? (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

// Prepares the baseline server as plain JavaScript (types stripped once, ahead
// of time), so it starts the way the product's compiled dist/ does and Node's
// on-the-fly TypeScript stripping is not counted against the baseline.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { stripTypeScriptTypes } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../test/support/harness.ts';

export const BASELINE_SOURCE = fileURLToPath(new URL('./baseline-server.ts', import.meta.url));

export interface PreparedBaseline {
  /** argv for node. */
  args: string[];
  cleanup(): Promise<void>;
}

export async function prepareBaseline(): Promise<PreparedBaseline> {
  // Inside the project (.cache/tmp) so `@modelcontextprotocol/sdk` and `zod` resolve from its node_modules.
  const dir = await tempDir('bench-baseline');
  const file = path.join(dir, 'baseline-server.mjs');
  await writeFile(file, stripTypeScriptTypes(await readFile(BASELINE_SOURCE, 'utf8'), { mode: 'strip' }));
  return { args: [file], cleanup: () => rm(dir, { recursive: true, force: true }) };
}

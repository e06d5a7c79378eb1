// Imported first by every entry point, before any dependency loads: on a Node.js that is too old
// a dependency crashes while loading (execa needs Set.prototype.union), and in a detached runner
// that crash is seen only as a turn that never started. So this file imports nothing at all.

/**
 * The Node.js versions this package runs on: the intersection of its runtime dependencies'
 * `engines` (undici ≥ 22.19; write-file-atomic ^22.22.2 || ^24.15.0 || ≥ 26; execa ≥ 22).
 * package.json `engines` and manifest.json say the same (tests check all three agree).
 */
export const SUPPORTED_NODE = '^22.22.2 || ^24.15.0 || >=26.0.0';

type Triple = [number, number, number];

function parse(version: string): Triple | undefined {
  const match = /^v?(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?/.exec(version.trim());
  if (!match) return undefined;
  const part = (text: string | undefined) => (text === undefined || text === 'x' || text === '*' ? 0 : Number(text));
  return [Number(match[1]), part(match[2]), part(match[3])];
}

function compare(a: Triple, b: Triple): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** One comparator set of an npm range, as used in `engines`: `^x.y.z`, `>=x.y.z`, `>= x`, `x.y.x`, `*`. */
function matchesOne(version: Triple, comparator: string): boolean {
  const text = comparator.trim();
  if (text === '' || text === '*' || text === 'x') return true;
  const caret = /^\^\s*(.+)$/.exec(text);
  if (caret) {
    const floor = parse(caret[1]!);
    return floor !== undefined && version[0] === floor[0] && compare(version, floor) >= 0;
  }
  const atLeast = /^>=\s*(.+)$/.exec(text);
  if (atLeast) {
    const floor = parse(atLeast[1]!);
    return floor !== undefined && compare(version, floor) >= 0;
  }
  const exact = parse(text);
  return exact !== undefined && version[0] === exact[0];
}

/** Whether `version` (e.g. process.versions.node) is in an npm `engines` range made of `||` alternatives. */
export function satisfiesRange(version: string, range: string): boolean {
  const parsed = parse(version);
  return parsed !== undefined && range.split('||').some((alternative) => matchesOne(parsed, alternative));
}

/** The refusal a person reads when the entry point runs on an unsupported Node.js; undefined when it is fine. */
export function unsupportedNodeMessage(version = process.versions.node, execPath = process.execPath): string | undefined {
  if (satisfiesRange(version, SUPPORTED_NODE)) return undefined;
  return (
    `codex-delegate-mcp needs Node.js ${SUPPORTED_NODE} (its dependencies do), but this is Node.js v${version} (${execPath}). ` +
    'Install Node.js 24 LTS (https://nodejs.org, or `nvm install 24`) and make sure this command runs it: ' +
    'put it first on PATH, or give the MCP client the full path to that node as the command with dist/server/main.js as the argument.'
  );
}

/** Exits with the refusal on stderr when this Node.js is too old. Call it before importing anything else. */
export function exitIfUnsupportedNode(): void {
  const message = unsupportedNodeMessage();
  if (message === undefined) return;
  process.stderr.write(`[codex-delegate-mcp] ${message}\n`);
  process.exit(1);
}

// The packages the shipped server loads at run time: package.json `dependencies` and theirs,
// resolved from node_modules the way Node resolves them. Used to build the MCP Bundle's file
// list (.mcpbignore) and, with the bundled ones, to check the declared Node.js range against
// their `engines`.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface RuntimePackage {
  name: string;
  version: string;
  /** Relative to the project root, with forward slashes: node_modules/execa, node_modules/a/node_modules/b. */
  dir: string;
  engines: string | undefined;
}

/** The installed package `name` as seen from `from` (a package directory), walking up like Node. */
function resolvePackage(root: string, name: string, from: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === root || path.dirname(dir) === dir) return undefined;
  }
}

/**
 * The packages scripts/build.ts bundles into dist/ (devDependencies, so an install of the package
 * does not fetch them): every package our code imports that is not in `dependencies`. The build
 * refuses to bundle one missing here. Their code runs, so their `engines` bind us all the same.
 */
export const BUNDLED_PACKAGES = ['@modelcontextprotocol/sdk', 'zod', 'lowdb', 'json5', 'execa', 'proper-lockfile', 'write-file-atomic'];

/** `withBundled`: the bundled packages and what they need too (installed as devDependencies in a checkout). */
export function runtimePackages(root: string, { withBundled = false } = {}): RuntimePackage[] {
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const found = new Map<string, RuntimePackage>();
  const names = [...Object.keys(manifest.dependencies ?? {}), ...(withBundled ? BUNDLED_PACKAGES : [])];
  const queue = names.map((name) => ({ name, from: root, optional: false }));
  while (queue.length > 0) {
    const { name, from, optional } = queue.shift()!;
    const dir = resolvePackage(root, name, from);
    if (!dir) {
      if (optional) continue; // an optional dependency for another platform
      throw new Error(`${name} (needed from ${path.relative(root, from) || 'package.json'}) is not installed: run npm ci.`);
    }
    const relative = path.relative(root, dir).split(path.sep).join('/');
    if (found.has(relative)) continue;
    const json = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    found.set(relative, { name, version: json.version, dir: relative, engines: json.engines?.node });
    for (const dep of Object.keys(json.dependencies ?? {})) queue.push({ name: dep, from: dir, optional: false });
    for (const dep of Object.keys(json.optionalDependencies ?? {})) queue.push({ name: dep, from: dir, optional: true });
  }
  return [...found.values()].sort((a, b) => a.dir.localeCompare(b.dir));
}

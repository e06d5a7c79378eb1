// `npm run build`: tsc compiles src/ to dist/ (the runner runs from there, unbundled), then esbuild
// bundles the server entry into dist/server/ (main.js, chunks of our code, vendor/ for packages)
// in place of tsc's copy. A handful of bundled files starts faster than ~400 small ESM files: fewer
// file reads and module links, and the compile cache holds a few big files (issue 12). esbuild
// because it bundles TypeScript and ESM + CommonJS packages in well under a second with no config
// file, and writes source maps.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Plugin } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = path.join(ROOT, 'dist');

// A clean dist/, so no chunk of an earlier bundle (their names carry a hash) ships by mistake.
rmSync(DIST, { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
// Only the server entry reaches src/server/ and src/cli/, and it is bundled: tsc's copies would
// ship unused, importing the MCP SDK, which is bundled and so not installed with the package.
for (const dir of ['server', 'cli']) rmSync(path.join(DIST, dir), { recursive: true, force: true });

/** The SDK imports Ajv at load time but only constructs it when no jsonSchemaValidator is given; we always give one. */
const leaveOutAjv: Plugin = {
  name: 'leave-out-ajv',
  setup(build) {
    build.onResolve({ filter: /\/validation\/ajv-provider\.js$/ }, (args) =>
      args.importer.includes(`${path.sep}@modelcontextprotocol${path.sep}sdk${path.sep}`) ? { path: path.join(ROOT, 'src/server/ajv-provider-stub.ts') } : undefined,
    );
  },
};

/**
 * Installed packages the server keeps importing at run time rather than bundling: loaded lazily
 * (a launch, a notification, doctor) and installed for the runner anyway. esbuild would turn a
 * lazily imported CommonJS module into a chunk with a default export only (undici's named exports
 * would be missing), so Node loads these itself, as before.
 */
const INSTALLED = new Set(['undici', 'execa', 'proper-lockfile', 'write-file-atomic']);

/**
 * Every other package the server imports is bundled into dist/server/vendor/, without source maps:
 * with source-map support on, Node indexes every line of each mapped file as it loads, and the
 * dependencies are most of the code (≈ 20 ms and 9 MB at start-up when mapped). Our own code,
 * where a stack trace must name src/ lines, is bundled into dist/server/ with maps. This plugin
 * records each package import of our code and points it at its vendor entry.
 */
const vendorEntries = new Map<string, string>();
const importFromVendor: Plugin = {
  name: 'import-from-vendor',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (isBuiltin(args.path) || INSTALLED.has(args.path)) return undefined;
      const name = args.path.replace(/^@/, '').replace(/\.js$/, '').replace(/[^\w.-]+/g, '-');
      vendorEntries.set(args.path, name);
      // Every chunk of ours sits in dist/server/, so the same relative path holds in each.
      return { path: `./vendor/${name}.js`, external: true };
    });
  },
};

const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };

const common = {
  bundle: true,
  // Dynamic imports stay lazy: the CLI and doctor become chunks beside main.js.
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  external: [...INSTALLED],
  legalComments: 'linked',
  logLevel: 'warning',
  absWorkingDir: ROOT,
  // A bundled CommonJS package (json5) calls require() for Node's built-ins; ESM output has no require.
  banner: { js: "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);" },
} satisfies BuildOptions;

await build({
  ...common,
  entryPoints: { main: path.join(ROOT, 'src/server/main.ts') },
  outdir: path.join(DIST, 'server'),
  // Beside tsc's output, so paths the code computes from import.meta.url (../runner/main.js) hold in both.
  chunkNames: 'bundle-[hash]',
  // Stack traces name src/*.ts lines; main.ts turns source-map support on before loading the chunks.
  sourcemap: true,
  sourcesContent: false,
  define: { 'process.env.CODEX_DELEGATE_BUNDLED_VERSION': JSON.stringify(pkg.version) },
  plugins: [importFromVendor],
});

await build({
  ...common,
  entryPoints: [...vendorEntries].map(([specifier, name]) => ({ in: specifier, out: name })),
  outdir: path.join(DIST, 'server', 'vendor'),
  chunkNames: 'shared-[hash]',
  plugins: [leaveOutAjv],
});

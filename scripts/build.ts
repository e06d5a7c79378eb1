// `npm run build`: esbuild bundles the two entry points users run: the server into dist/server/
// (main.js, chunks of our code, vendor/ for packages) and the runner into dist/runner/ (main.js and
// chunks, packages from dist/server/vendor/). A handful of bundled files starts faster than ~400
// small ESM files: fewer file reads and module links, and the compile cache holds a few big files
// (issue 12); a runner starts once per turn, so its start-up is in every turn's wall time. esbuild
// because it bundles TypeScript and ESM + CommonJS packages in well under a second with no config
// file, and writes source maps. It does not type-check: `npm run typecheck` (part of `npm test`) does.
import { readFileSync, rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { BUNDLED_PACKAGES } from './runtime-deps.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = path.join(ROOT, 'dist');

// A clean dist/, so no chunk of an earlier bundle (their names carry a hash) ships by mistake.
rmSync(DIST, { recursive: true, force: true });

/** The SDK imports Ajv at load time but only constructs it when no jsonSchemaValidator is given; we always give one. */
const leaveOutAjv: Plugin = {
  name: 'leave-out-ajv',
  setup(build) {
    build.onResolve({ filter: /\/validation\/ajv-provider\.js$/ }, (args) =>
      args.importer.includes(`${path.sep}@modelcontextprotocol${path.sep}sdk${path.sep}`) ? { path: path.join(ROOT, 'src/server/ajv-provider-stub.ts') } : undefined,
    );
  },
};

const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };

/**
 * The packages left to Node to load from node_modules at run time: package.json `dependencies`
 * (undici alone, loaded only to notify OpenClaw). esbuild would turn a lazily imported CommonJS
 * module into a chunk with a default export only, and undici's named exports would be missing.
 * Everything else is bundled, so an install of the package fetches one package (issue 12).
 */
const INSTALLED = new Set(Object.keys(pkg.dependencies));

/**
 * Every other package our code imports is bundled into dist/server/vendor/, without source maps:
 * with source-map support on, Node indexes every line of each mapped file as it loads, and the
 * dependencies are most of the code (≈ 20 ms and 9 MB at start-up when mapped). Our own code,
 * where a stack trace must name src/ lines, is bundled into dist/server/ with maps. This plugin
 * records each package import of our code and points it at its vendor entry.
 */
const vendorEntries = new Map<string, string>();
/** `vendorDir`: dist/server/vendor/ as seen from the bundle's outdir (each of its chunks sits there too). */
const importFromVendor = (vendorDir: string): Plugin => ({
  name: 'import-from-vendor',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (isBuiltin(args.path) || INSTALLED.has(args.path)) return undefined;
      const packageName = args.path.split('/').slice(0, args.path.startsWith('@') ? 2 : 1).join('/');
      if (!BUNDLED_PACKAGES.includes(packageName)) throw new Error(`${args.importer} imports ${packageName}: add it to package.json dependencies (installed) or to BUNDLED_PACKAGES in scripts/runtime-deps.ts (bundled).`);
      const name = args.path.replace(/^@/, '').replace(/\.js$/, '').replace(/[^\w.-]+/g, '-');
      vendorEntries.set(args.path, name);
      return { path: `${vendorDir}/${name}.js`, external: true };
    });
  },
});

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

/**
 * One of our entry points with our own code in chunks beside it, with source maps (stack traces
 * name src/*.ts lines; each main.ts turns source-map support on before loading its chunks), and
 * packages from dist/server/vendor/ (`vendorDir`, as seen from `dir`), so the package ships each once.
 */
const bundleEntry = (entry: string, dir: string, vendorDir: string) =>
  build({
    ...common,
    entryPoints: { main: path.join(ROOT, entry) },
    outdir: path.join(DIST, dir),
    chunkNames: 'bundle-[hash]',
    sourcemap: true,
    sourcesContent: false,
    define: { 'process.env.CODEX_DELEGATE_BUNDLED_VERSION': JSON.stringify(pkg.version) },
    plugins: [importFromVendor(vendorDir)],
  });

// Side by side: the server finds the runner as ../runner/main.js from its own import.meta.url. The
// runner's main.ts starts Codex before run.ts (a chunk) loads.
await bundleEntry('src/server/main.ts', 'server', './vendor');
await bundleEntry('src/runner/main.ts', 'runner', '../server/vendor');

await build({
  ...common,
  entryPoints: [...vendorEntries].map(([specifier, name]) => ({ in: specifier, out: name })),
  outdir: path.join(DIST, 'server', 'vendor'),
  chunkNames: 'shared-[hash]',
  plugins: [leaveOutAjv],
  // CommonJS packages may use __filename too (write-file-atomic names its temporary files with it).
  banner: {
    js: `${common.banner.js} import { fileURLToPath as __bundleFileURLToPath } from 'node:url'; const __filename = __bundleFileURLToPath(import.meta.url);`,
  },
});

// `npm run build`: tsc compiles src/ to dist/ (the runner and every module run from there), then
// esbuild bundles the server entry, dist/server/main.js, over tsc's copy of it. One bundled file
// (plus lazily loaded chunks) starts faster than ~400 small ESM files: fewer file reads and module
// links, and the compile cache holds a few big files. esbuild because it bundles TypeScript and
// ESM + CommonJS dependencies in well under a second with no config file, and writes source maps.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

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

const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };

await build({
  entryPoints: { main: path.join(ROOT, 'src/server/main.ts') },
  outdir: path.join(DIST, 'server'),
  // Beside tsc's output, so paths the code computes from import.meta.url (../runner/main.js) hold in both.
  chunkNames: 'bundle-[hash]',
  bundle: true,
  // Dynamic imports stay lazy: the CLI and doctor as chunks beside main.js.
  splitting: true,
  // Loaded lazily (a launch, a notification, doctor) and needed by the runner anyway, so they stay
  // installed packages that Node loads itself: esbuild would turn a lazily imported CommonJS module
  // into a chunk with a default export only (undici's named exports would be missing).
  external: ['undici', 'execa', 'proper-lockfile', 'write-file-atomic'],
  format: 'esm',
  platform: 'node',
  target: 'node22',
  // Stack traces name src/*.ts lines; main.ts turns source-map support on before loading the chunks.
  sourcemap: true,
  sourcesContent: false,
  legalComments: 'linked',
  logLevel: 'warning',
  // Bundled CommonJS dependencies (json5, proper-lockfile, …) call require() for Node's built-ins.
  banner: { js: "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);" },
  define: { 'process.env.CODEX_DELEGATE_BUNDLED_VERSION': JSON.stringify(pkg.version) },
  plugins: [leaveOutAjv],
});

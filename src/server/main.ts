#!/usr/bin/env node
// The bin entry. Two things must happen before the module graph loads (static imports are
// evaluated first, so everything else comes through the dynamic import below): refusing a
// Node.js the dependencies cannot load on, and turning V8's compile cache on. In the published
// build this file is an esbuild bundle (scripts/build.ts) and cli.ts with the rest comes in
// chunks beside it, so source-map support is turned on here too: stack traces then name src/ lines.
import module from 'node:module';
import { exitIfUnsupportedNode } from '../node-version.ts';

exitIfUnsupportedNode();
module.enableCompileCache?.();
process.setSourceMapsEnabled?.(true);
await import('./cli.ts');

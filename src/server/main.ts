#!/usr/bin/env node
// The bin entry. Two things must happen before the module graph loads (static imports are
// evaluated first, so everything else comes through the dynamic import below): refusing a
// Node.js the dependencies cannot load on, and turning V8's compile cache on.
import module from 'node:module';
import { exitIfUnsupportedNode } from '../node-version.ts';

exitIfUnsupportedNode();
module.enableCompileCache?.();
await import('./cli.ts');

#!/usr/bin/env node
// The bin entry. V8's compile cache must be on before the module graph loads (static imports
// are evaluated first), so this file enables it and then imports the real entry.
import module from 'node:module';

module.enableCompileCache?.();
await import('./cli.ts');

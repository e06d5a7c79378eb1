// The runner entry: see server/main.ts for why the Node.js check and the compile cache come first.
// A runner starts once per turn, so half of its start-up is compiling the same modules again.
// On a too-old Node.js its refusal lands in turn-N.runner.log, which reconcile quotes.
import module from 'node:module';
import { exitIfUnsupportedNode } from '../node-version.ts';

exitIfUnsupportedNode();
module.enableCompileCache?.();
await import('./run.ts');

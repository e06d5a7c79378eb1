// The runner entry: see server/main.ts for why the compile cache is enabled here first.
// A runner starts once per turn, so half of its start-up is compiling the same modules again.
import module from 'node:module';

module.enableCompileCache?.();
await import('./run.ts');

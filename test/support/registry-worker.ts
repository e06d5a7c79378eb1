// A separate process hammering the registry: `registry-worker.ts <state dir> <worker> <updates>`.
import { makePaths } from '../../src/store/paths.ts';
import { Registry } from '../../src/store/registry.ts';

const [home, worker, count] = process.argv.slice(2);
const registry = new Registry(makePaths(home!));
await registry.init();
await Promise.all(
  Array.from({ length: Number(count) }, (_, i) =>
    registry.update((data) => {
      // Abuse the sessions map as a set of marks: one key per update, so a lost update is a missing key.
      (data.sessions as Record<string, unknown>)[`w${worker}-${i}`] = { worker, i };
    }),
  ),
);

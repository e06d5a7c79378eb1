// A separate process writing to the registry: `registry-worker.ts <state dir> <worker> <updates> [holdMs]`.
// Each update adds one valid session record, so a lost update is a missing session. With holdMs, the
// (single) update prints "holding <pid>" inside the lock and keeps it that long, for tests that stop it there.
import { makePaths } from '../../src/store/paths.ts';
import { Registry } from '../../src/store/registry.ts';
import { testSession } from './sessions.ts';

const [home, worker, count, holdMs] = process.argv.slice(2);
const registry = new Registry(makePaths(home!), (message) => process.stderr.write(`${message}\n`));
await registry.init();
await Promise.all(
  Array.from({ length: Number(count) }, (_, i) =>
    registry.update((data) => {
      const session = testSession(`w${worker}-${i}`);
      data.sessions[session.id] = session;
      if (holdMs) {
        process.stdout.write(`holding ${process.pid}\n`);
        const until = Date.now() + Number(holdMs);
        while (Date.now() < until); // Busy: the lock stays held, and SIGSTOP can land here.
      }
    }),
  ),
);
process.stdout.write('done\n');

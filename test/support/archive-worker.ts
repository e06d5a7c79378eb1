// A separate process that moves settled sessions to the archive: `archive-worker.ts <state dir> <keep>`.
// Tests kill it with SIGKILL at random moments to prove the move is crash-safe.
import { makePaths } from '../../src/store/paths.ts';
import { Registry } from '../../src/store/registry.ts';
import { archiveSettled } from '../../src/store/archiving.ts';

const [home, keep] = process.argv.slice(2);
const moved = await archiveSettled(new Registry(makePaths(home!)), Number(keep));
process.stdout.write(`moved ${moved}\n`);

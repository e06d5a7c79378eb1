import { cumulativeDiff, finishTurnDiff, startTurnSnapshot, type TurnStart } from '../git/turn-diff.ts';
import { errorMessage } from '../errors.ts';
import type { Paths } from '../store/paths.ts';
import type { Registry } from '../store/registry.ts';
import type { Session } from '../store/session.ts';
import { findTurn } from '../store/transitions.ts';

/**
 * The runner's side of turn diffs: a snapshot of the git work tree before Codex
 * starts, and at the end what the turn changed (with its patch, 0600, beside the
 * turn's other files). Recording a diff is a service to the reader, never a reason
 * to fail the turn: any git problem becomes a note on the turn.
 */

interface TurnDiffDeps {
  registry: Registry;
  paths: Paths;
  log: (message: string) => void;
}

/** Before Codex starts: the state of the repository holding `cwd` (persisted with the turn), or null outside git. */
export async function beginTurnDiff(deps: TurnDiffDeps, sessionId: string, turnNo: number, cwd: string): Promise<TurnStart | null> {
  try {
    const start = await startTurnSnapshot(cwd);
    if (start) {
      await deps.registry.update((data) => {
        const found = findTurn(data, sessionId, turnNo);
        if (found) found.turn.diffStart = start;
      });
    }
    return start;
  } catch (error) {
    await note(deps, sessionId, turnNo, `No diff for this turn: the work tree could not be recorded before it (${errorMessage(error)}).`);
    return null;
  }
}

/**
 * After Codex exits, before the outcome is recorded (so the final message can carry
 * the stat): the turn's diff, its paths as `filesChanged`, and for an isolated
 * session the whole worktree against its base.
 */
export async function finishTurnDiffRecord(deps: TurnDiffDeps, session: Session, turnNo: number, start: TurnStart | null): Promise<void> {
  if (!start) return;
  const file = (kind: 'diff.patch' | 'cumulative.patch') => deps.paths.turnFile(session.id, turnNo, kind);
  try {
    const { diff } = await finishTurnDiff(start, file('diff.patch'));
    const cumulative = session.worktree ? (await cumulativeDiff(session.worktree, file('cumulative.patch'))).diff : null;
    await deps.registry.update((data) => {
      const found = findTurn(data, session.id, turnNo);
      if (!found) return;
      found.turn.diff = diff;
      found.turn.filesChanged = diff.files.map((change) => change.path);
      if (cumulative) found.turn.cumulativeDiff = cumulative;
    });
  } catch (error) {
    await note(deps, session.id, turnNo, `No diff for this turn: ${errorMessage(error)}`);
  }
}

async function note(deps: TurnDiffDeps, sessionId: string, turnNo: number, text: string): Promise<void> {
  deps.log(text);
  await deps.registry
    .update((data) => {
      const found = findTurn(data, sessionId, turnNo);
      if (found) found.turn.diffNote = text;
    })
    .catch((error: unknown) => deps.log(`could not record the diff note: ${errorMessage(error)}`));
}

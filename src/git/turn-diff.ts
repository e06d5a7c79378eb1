import { writePatchFile } from './patch.ts';
import { findRepository } from './repository.ts';
import { snapshotTree, type SnapshotOptions } from './snapshot.ts';
import { diffTrees, type TreeDiff } from './tree-diff.ts';
import type { IsolatedWorktree } from './worktree-record.ts';
import { requireWorktree } from './worktree.ts';

/** The state of a work tree when a turn started: persist it with the turn (plain JSON). */
export interface TurnStart {
  /** The work tree's top directory (the user's, or the session's worktree). */
  root: string;
  /** The snapshot tree id. */
  tree: string;
}

export interface TurnDiff {
  diff: TreeDiff;
  /** The snapshot at the end: the next turn's start, if nothing happens in between. */
  endTree: string;
}

/**
 * Call before Codex starts: the tree state of the repository holding `cwd`, or null
 * when `cwd` is not in a git work tree (such a run has no diff).
 */
export async function startTurnSnapshot(cwd: string, options: SnapshotOptions = {}): Promise<TurnStart | null> {
  const repository = await findRepository(cwd);
  if (!repository) return null;
  return { root: repository.root, tree: await snapshotTree(repository.root, options) };
}

/**
 * Call after Codex exits: what changed in the work tree since `start`, and, given
 * `patchFile`, the patch saved there (0600). Changes made before the turn are not
 * in it; files written by shell commands are.
 */
export async function finishTurnDiff(start: TurnStart, patchFile?: string, options: SnapshotOptions = {}): Promise<TurnDiff> {
  const endTree = await snapshotTree(start.root, options);
  const diff = await diffTrees(start.root, start.tree, endTree);
  if (patchFile) await writePatchFile(start.root, start.tree, endTree, patchFile);
  return { diff, endTree };
}

/** An isolated session's whole work so far: its worktree now against its base commit (optionally saved as a patch). */
export async function cumulativeDiff(worktree: IsolatedWorktree, patchFile?: string, options: SnapshotOptions = {}): Promise<TurnDiff> {
  await requireWorktree(worktree);
  const endTree = await snapshotTree(worktree.worktreePath, options);
  const diff = await diffTrees(worktree.worktreePath, worktree.baseCommit, endTree);
  if (patchFile) await writePatchFile(worktree.worktreePath, worktree.baseCommit, endTree, patchFile);
  return { diff, endTree };
}

import { z } from 'zod';

/**
 * What a session with `isolation: "worktree"` must remember about its worktree to
 * diff, apply, keep or discard it later, possibly from another process: store it in
 * the session record as is (every field is plain JSON).
 */
export const isolatedWorktreeSchema = z.object({
  /** The user's work tree the worktree was made from (where `apply` writes). */
  repoRoot: z.string().min(1),
  /** The worktree's own top directory, outside the user's tree. */
  worktreePath: z.string().min(1),
  /** Where Codex runs: `worktreePath` plus the same subdirectory `cwd` had in the user's tree. */
  runCwd: z.string().min(1),
  /** That subdirectory, '/'-separated, '' at the top. */
  subdir: z.string(),
  /** The branch created for the worktree (`codex/...`). */
  branch: z.string().min(1),
  /** The full commit id the worktree started from: the cumulative diff and `apply` are relative to it. */
  baseCommit: z.string().regex(/^[0-9a-f]{40,64}$/),
});
export type IsolatedWorktree = z.infer<typeof isolatedWorktreeSchema>;

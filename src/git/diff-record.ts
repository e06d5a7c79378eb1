import { z } from 'zod';

/**
 * The diff of a turn as the registry keeps it (TreeDiff from tree-diff.ts, validated
 * at the storage boundary): paths relative to the repository root, line counts per file.
 */
export const fileChangeSchema = z.object({
  path: z.string(),
  status: z.enum(['added', 'modified', 'deleted', 'renamed']),
  additions: z.number(),
  deletions: z.number(),
  binary: z.boolean(),
  oldPath: z.string().optional(),
});

export const treeDiffSchema = z.object({
  files: z.array(fileChangeSchema),
  additions: z.number(),
  deletions: z.number(),
  binaryFiles: z.number(),
});
export type TreeDiffRecord = z.infer<typeof treeDiffSchema>;

/** The snapshot taken before Codex started (TurnStart in turn-diff.ts): the end of the turn is compared with it. */
export const turnStartSchema = z.object({ root: z.string(), tree: z.string() });

/** `3 files · +42 −7` (binary files counted apart): the one-line stat chat messages and status lines show. */
export function diffStat(diff: TreeDiffRecord): string {
  const files = diff.files.length;
  const binary = diff.binaryFiles > 0 ? ` · ${diff.binaryFiles} binary` : '';
  return `${files} ${files === 1 ? 'file' : 'files'} · +${diff.additions} −${diff.deletions}${binary}`;
}

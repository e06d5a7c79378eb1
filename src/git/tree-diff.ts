import { git } from './git-command.ts';

export type FileStatus = 'added' | 'modified' | 'deleted' | 'renamed';

export interface FileChange {
  /** Relative to the repository root, '/'-separated; the new path of a rename. */
  path: string;
  status: FileStatus;
  /** Lines added and removed; 0 and 0 for a binary file. */
  additions: number;
  deletions: number;
  binary: boolean;
  /** The path before a rename. */
  oldPath?: string;
}

export interface TreeDiff {
  files: FileChange[];
  additions: number;
  deletions: number;
  binaryFiles: number;
}

// Plumbing (diff-tree), not porcelain: no user diff.external, textconv or colour can change the output.
const DIFF_TREE = ['diff-tree', '-r', '-M', '--no-ext-diff', '--no-textconv'];

/**
 * What changed between two tree-ishes (tree ids from snapshotTree, or commits): one
 * entry per file with line counts, renames detected. Paths come NUL-separated (-z),
 * so names with spaces, quotes or newlines arrive intact.
 */
export async function diffTrees(root: string, from: string, to: string): Promise<TreeDiff> {
  const [statuses, counts] = await Promise.all([
    git(root, [...DIFF_TREE, '--name-status', '-z', from, to, '--']),
    git(root, [...DIFF_TREE, '--numstat', '-z', from, to, '--']),
  ]);
  const lineCounts = parseNumstat(counts.stdout);
  const files = parseNameStatus(statuses.stdout).map((entry): FileChange => {
    const count = lineCounts.get(entry.path);
    const binary = count?.binary ?? false;
    return {
      path: entry.path,
      status: entry.status,
      additions: count?.additions ?? 0,
      deletions: count?.deletions ?? 0,
      binary,
      ...(entry.oldPath !== undefined ? { oldPath: entry.oldPath } : {}),
    };
  });
  return {
    files,
    additions: files.reduce((sum, file) => sum + file.additions, 0),
    deletions: files.reduce((sum, file) => sum + file.deletions, 0),
    binaryFiles: files.filter((file) => file.binary).length,
  };
}

/** True when two tree-ishes hold the same content (cheap: compares ids, no diff). */
export async function sameTree(root: string, a: string, b: string): Promise<boolean> {
  const { stdout } = await git(root, ['rev-parse', `${a}^{tree}`, `${b}^{tree}`]);
  const [left, right] = stdout.trim().split('\n');
  return left === right;
}

interface StatusEntry {
  path: string;
  status: FileStatus;
  oldPath?: string;
}

/** `--name-status -z`: "M\0path\0", or "R087\0old\0new\0" for a rename (C, a copy, likewise). */
export function parseNameStatus(output: string): StatusEntry[] {
  const tokens = output.split('\0');
  const entries: StatusEntry[] = [];
  for (let i = 0; i < tokens.length; ) {
    const code = tokens[i++];
    if (!code) continue;
    const letter = code[0];
    if (letter === 'R' || letter === 'C') {
      const oldPath = tokens[i++] ?? '';
      const newPath = tokens[i++] ?? '';
      entries.push(letter === 'R' ? { path: newPath, status: 'renamed', oldPath } : { path: newPath, status: 'added' });
    } else {
      const file = tokens[i++] ?? '';
      // T (type change, e.g. file to symlink) and anything unexpected count as a modification.
      entries.push({ path: file, status: letter === 'A' ? 'added' : letter === 'D' ? 'deleted' : 'modified' });
    }
  }
  return entries;
}

interface LineCount {
  additions: number;
  deletions: number;
  binary: boolean;
}

/** `--numstat -z`: "12\t3\tpath\0", "-\t-\tpath\0" for binary, "1\t0\t\0old\0new\0" for a rename. Keyed by (new) path. */
export function parseNumstat(output: string): Map<string, LineCount> {
  const tokens = output.split('\0');
  const counts = new Map<string, LineCount>();
  for (let i = 0; i < tokens.length; ) {
    const record = tokens[i++];
    if (!record) continue;
    const [added = '', deleted = '', ...rest] = record.split('\t');
    let file = rest.join('\t');
    if (file === '') {
      i++; // the old path of a rename
      file = tokens[i++] ?? '';
    }
    const binary = added === '-' && deleted === '-';
    counts.set(file, { additions: binary ? 0 : Number(added), deletions: binary ? 0 : Number(deleted), binary });
  }
  return counts;
}

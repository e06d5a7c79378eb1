/** Every branch this tool creates starts with this, so a doctor can tell ours from the user's. */
export const BRANCH_PREFIX = 'codex/';

/**
 * `codex/<label-slug>-<short id>`: readable in `git branch`, unique per session, and
 * always a valid ref name (only a-z, 0-9 and '-' survive the slug).
 */
export function worktreeBranchName(label: string, id: string): string {
  const slug =
    label
      .normalize('NFKD')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40)
      .replace(/-+$/, '') || 'task';
  // The end of a session id (`<time>-<random hex>`) is its random part: sessions started in the same millisecond still differ.
  const short = id.toLowerCase().replace(/[^a-z0-9]/g, '').slice(-8) || 'run';
  return `${BRANCH_PREFIX}${slug}-${short}`;
}

import { rmdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { applyWorktree } from '../../git/apply-worktree.ts';
import { diffStat, treeDiffSchema } from '../../git/diff-record.ts';
import { withRepositoryLock } from '../../git/repository-lock.ts';
import { removeWorktree } from '../../git/worktree.ts';
import { UserError } from '../../errors.ts';
import { WORKTREE_STATES, type Session, type SessionWorktree } from '../../store/session.ts';
import { claimWorktree, refuseWhileRunning, releaseWorktree, setWorktreeState } from '../../store/worktree-state.ts';
import { requireSession, sessionIdField, strictInput } from '../inputs.ts';
import { defineTool } from '../tool.ts';

const ACTIONS = ['apply', 'keep', 'discard'] as const;
const SETTLED: Record<(typeof ACTIONS)[number], SessionWorktree['state']> = { apply: 'applied', keep: 'kept', discard: 'discarded' };

const input = strictInput({
  sessionId: sessionIdField,
  action: z
    .enum(ACTIONS, { error: 'action must be "apply", "keep" or "discard".' })
    .describe('"apply": bring the changes into your working tree (uncommitted); "keep": remove the worktree, keep the branch; "discard": remove both'),
});

const output = z.object({
  sessionId: z.string(),
  action: z.enum(ACTIONS),
  state: z.enum(WORKTREE_STATES),
  /** The branch that holds the work when it was kept; null when it was deleted. */
  branch: z.string().nullable(),
  /** True when the session's changes had been applied before: nothing was done this time. */
  alreadyApplied: z.boolean(),
  /** For apply: what changed in your working tree, paths relative to the repository root. */
  diff: treeDiffSchema.nullable(),
  repoRoot: z.string(),
  warnings: z.array(z.string()),
});

const notIsolated = (id: string) =>
  new UserError('bad_input', `Session ${id} was not launched with isolation: "worktree"; its changes are already in your working tree, so there is nothing to apply, keep or discard.`);
const running = (id: string) =>
  new UserError('conflict', `Session ${id} has a turn queued or running in its worktree; wait for it (codex_status) or stop it (codex_cancel) first.`);

export const applyTool = defineTool({
  name: 'codex_apply',
  title: "Apply, keep or discard an isolated session's work",
  description:
    'For a finished session launched with isolation "worktree": "apply" brings its changes into your working tree as uncommitted edits (three-way merge; on a conflict nothing changes and the files are named), "keep" removes the worktree and keeps its branch, "discard" removes both.',
  inputSchema: input,
  outputSchema: output,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  async handler(args, deps) {
    const session = await requireSession(deps.registry, args.sessionId);
    const worktree = session.worktree;
    if (!worktree) throw notIsolated(session.id);
    refuseWhileRunning(session, () => running(session.id));
    const base = { sessionId: session.id, action: args.action, repoRoot: worktree.repoRoot };
    if (worktree.state !== 'active') return settledBefore(session, worktree, args.action);

    const locksDir = path.join(deps.paths.worktreesDir, 'locks');
    return withRepositoryLock(locksDir, worktree.repoRoot, deps.log, async () => {
      // On the freshest record, under the registry lock: a resume or another apply that got in first wins,
      // and a resume that comes later is refused until this one is done (the claim).
      const claim = (current: Session) => {
        refuseWhileRunning(current, () => running(current.id));
        if (current.worktree?.state !== 'active') throw new UserError('conflict', `Session ${current.id}'s worktree was ${current.worktree?.state} meanwhile; nothing was done.`);
      };
      try {
        await claimWorktree(deps.registry, session.id, args.action, claim);
      } catch (error) {
        if (error instanceof UserError) throw error;
        throw new UserError('conflict', `Session ${session.id}'s worktree is busy: ${error instanceof Error ? error.message : String(error)}. Try again in a moment.`);
      }
      try {
        return await settle();
      } catch (error) {
        await releaseWorktree(deps.registry, session.id);
        throw error;
      }
    });

    async function settle() {
      const now = new Date().toISOString();
      // The session's folder under worktrees/ is empty once git removed the worktree; a folder still in use stays.
      const tidy = () => rmdir(deps.paths.worktreeParent(session.id)).catch(() => {});
      if (args.action === 'apply') {
        const applied = await applyWorktree(worktree!);
        await setWorktreeState(deps.registry, session.id, 'applied', now);
        await tidy();
        return { ...base, state: 'applied' as const, branch: null, alreadyApplied: false, diff: applied.diff, warnings: applied.warning ? [applied.warning] : [] };
      }
      const removed = await removeWorktree(worktree!, args.action);
      await setWorktreeState(deps.registry, session.id, SETTLED[args.action], now);
      await tidy();
      return { ...base, state: SETTLED[args.action], branch: removed.branch, alreadyApplied: false, diff: null, warnings: removed.warning ? [removed.warning] : [] };
    }
  },
  summary: (out) => {
    const lines: string[] = [];
    if (out.alreadyApplied) lines.push(`Session ${out.sessionId}'s changes were already applied to ${out.repoRoot}; nothing was done.`);
    else if (out.action === 'apply') {
      const stat = out.diff && out.diff.files.length > 0 ? ` (${diffStat(out.diff)}: ${out.diff.files.slice(0, 10).map((f) => f.path).join(', ')}${out.diff.files.length > 10 ? ', …' : ''})` : ' (there was nothing to change)';
      lines.push(`Applied session ${out.sessionId}'s changes to ${out.repoRoot} as uncommitted edits${stat}; its worktree and branch are removed. Review them with git diff.`);
    } else if (out.action === 'keep') lines.push(`Removed session ${out.sessionId}'s worktree; its work is on the branch ${out.branch} in ${out.repoRoot} (merge it yourself: git merge ${out.branch}).`);
    else lines.push(`Discarded session ${out.sessionId}'s worktree and branch.`);
    lines.push(...out.warnings.map((w) => `⚠ ${w}`));
    return lines.join('\n');
  },
});

/** The worktree was settled before: the same request again is answered, a different one refused. */
function settledBefore(session: Session, worktree: SessionWorktree, action: (typeof ACTIONS)[number]) {
  const base = { sessionId: session.id, action, repoRoot: worktree.repoRoot, diff: null, warnings: [] };
  if (worktree.state === 'applied' && action === 'apply') return { ...base, state: worktree.state, branch: null, alreadyApplied: true };
  if (worktree.state === SETTLED[action]) {
    return { ...base, state: worktree.state, branch: worktree.state === 'kept' ? worktree.branch : null, alreadyApplied: false, warnings: [`It was already ${worktree.state}${worktree.settledAt ? ` at ${worktree.settledAt}` : ''}; nothing was done.`] };
  }
  const where = worktree.state === 'kept' ? ` Its work is on the branch ${worktree.branch}; merge or delete that yourself.` : '';
  throw new UserError('conflict', `Session ${session.id}'s worktree was already ${worktree.state}, so it cannot be ${SETTLED[action]} now.${where}`);
}

import { z } from 'zod';
import { UserError } from '../../errors.ts';
import { isActive, STATUSES, ERROR_KINDS, commandRecordSchema, usageSchema } from '../../store/session.ts';
import { readTurnText } from '../../store/turn-text.ts';
import { requireSession, sessionIdField, strictInput, typeError } from '../inputs.ts';
import { defineTool } from '../tool.ts';
import { changeLines, diffLine, failedCommands } from '../views.ts';
import { diffStat, treeDiffSchema, type TreeDiffRecord } from '../../git/diff-record.ts';
import { readTurnPatch } from '../../store/turn-patch.ts';

const input = strictInput({
  sessionId: sessionIdField,
  turn: z.number(typeError('turn must be a number.')).int({ error: 'turn must be a whole number.' }).min(1, { error: 'turn must be 1 or more.' }).optional().describe('Default: the latest turn'),
  offset: z.number(typeError('offset must be a number.')).int({ error: 'offset must be a whole number.' }).min(0, { error: 'offset must be 0 or more.' }).optional().describe('Character offset for paging (default 0)'),
  maxChars: z
    .number(typeError('maxChars must be a number.'))
    .int({ error: 'maxChars must be a whole number.' })
    .min(1, { error: 'maxChars must be at least 1.' })
    .max(100_000, { error: 'maxChars must be at most 100000; page with offset/nextOffset instead.' })
    .optional()
    .describe('Page size in characters (default 20000)'),
  view: z
    .enum(['text', 'patch'], { error: 'view must be "text" (the answer) or "patch" (what the turn changed, as a unified diff).' })
    .optional()
    .describe('"patch": the unified diff of what the turn changed in its git repository instead of the answer (default "text")'),
});

const output = z.object({
  sessionId: z.string(),
  turn: z.number(),
  status: z.enum(STATUSES),
  done: z.boolean(),
  text: z.string(),
  offset: z.number(),
  nextOffset: z.number().nullable(),
  totalChars: z.number(),
  /** Set when only part of the answer could be stored (totalChars of it): the length of the whole answer. */
  fullChars: z.number().nullable(),
  /** What `text` holds: the answer, or a page of the turn's patch. */
  view: z.enum(['text', 'patch']),
  filesChanged: z.array(z.string()),
  /** In a git repository: what the turn changed, relative to the repository root. */
  diff: treeDiffSchema.nullable(),
  commands: z.array(commandRecordSchema),
  usage: usageSchema,
  error: z.string().nullable(),
  errorKind: z.enum(ERROR_KINDS).nullable(),
  /** With an outputSchema: the answer parsed (null when it does not parse; jsonError says why). Left out without one. */
  json: z.unknown().optional(),
  jsonError: z.string().optional(),
});

/** The whole answer parsed as the JSON the turn's outputSchema asked for, or why not. */
function parsedAnswer(full: string, done: boolean, stored: number | null): { json: unknown; jsonError?: string } {
  if (!done) return { json: null, jsonError: 'the turn is still running; the answer is parsed once it ends' };
  if (stored !== null) return { json: null, jsonError: 'only part of the answer could be stored, so it cannot be parsed' };
  if (full.trim() === '') return { json: null, jsonError: 'Codex gave no answer text' };
  try {
    return { json: JSON.parse(full) };
  } catch (error) {
    return { json: null, jsonError: `the answer is not valid JSON (${(error as Error).message})` };
  }
}

/** What the text below is: the answer, a page of it, the message so far, or nothing yet. */
function head(out: { turn: number; status: string; done: boolean; text: string; totalChars: number; offset: number; view: 'text' | 'patch'; diff: TreeDiffRecord | null }): string {
  if (out.view === 'patch') {
    if (!out.done) return `Turn ${out.turn} still ${out.status}; its patch is recorded when it ends.`;
    if (out.totalChars === 0) return out.diff ? `Turn ${out.turn} changed no files.` : `Turn ${out.turn} has no patch (it did not run in a git repository, or its diff could not be recorded).`;
    const page = out.offset > 0 ? ` (from character ${out.offset} of ${out.totalChars})` : '';
    return `Turn ${out.turn} patch${out.diff ? ` (${diffStat(out.diff)})` : ''}${page}:`;
  }
  if (out.totalChars === 0) {
    return out.done ? `Turn ${out.turn} ${out.status}; Codex gave no answer text.` : `Turn ${out.turn} still ${out.status}; no message yet.`;
  }
  const page = out.offset > 0 ? ` (from character ${out.offset} of ${out.totalChars})` : '';
  return out.done ? `Turn ${out.turn} ${out.status}; the answer${page}:` : `Turn ${out.turn} still ${out.status}; latest message so far${page}:`;
}

export const resultTool = defineTool({
  name: 'codex_result',
  title: 'Codex task result',
  description:
    "Codex's answer for a session turn, paged (offset/nextOffset). Never waits: while running, done is false and text is the latest message so far.",
  inputSchema: input,
  outputSchema: output,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  async handler(args, deps) {
    const session = await requireSession(deps.registry, args.sessionId);
    const turnNo = args.turn ?? session.turns.length;
    const turn = session.turns[turnNo - 1];
    if (!turn) {
      throw new UserError('bad_input', `Session ${session.id} has ${session.turns.length} turn(s); turn ${turnNo} does not exist.`);
    }
    const view = args.view ?? 'text';
    const read = view === 'patch' ? readTurnPatch : readTurnText;
    const full = (await read(deps.paths, session.id, turnNo)) ?? '';
    const offset = args.offset ?? 0;
    if (offset > full.length) {
      throw new UserError('bad_input', `offset ${offset} is past the end of the text (${full.length} characters); start again at 0.`);
    }
    const end = Math.min(full.length, offset + (args.maxChars ?? 20_000));
    return {
      sessionId: session.id,
      turn: turnNo,
      status: turn.status,
      done: !isActive(turn.status),
      text: full.slice(offset, end),
      offset,
      nextOffset: end < full.length ? end : null,
      totalChars: full.length,
      fullChars: view === 'text' && turn.resultStoredChars !== null ? turn.resultChars : null,
      view,
      filesChanged: turn.filesChanged,
      diff: turn.diff ?? null,
      commands: turn.commands,
      usage: turn.usage,
      error: turn.error,
      errorKind: turn.errorKind,
      ...(turn.outputSchema !== null ? parsedAnswer(full, !isActive(turn.status), turn.resultStoredChars) : {}),
    };
  },
  summary: (out) => {
    const lines = [head(out)];
    if (out.error) lines.push(`Error: ${out.error}`);
    if (out.jsonError) lines.push(`json: null (${out.jsonError})`);
    if (out.fullChars !== null) lines.push(`[The answer is incomplete: only ${out.totalChars} of ${out.fullChars} characters could be stored.]`);
    if (out.view === 'text') {
      if (out.diff) lines.push(diffLine('Diff', out.diff));
      lines.push(...changeLines(out.filesChanged, failedCommands(out.commands), out.commands.length));
    }
    if (out.text !== '') lines.push(out.text);
    if (out.nextOffset !== null) lines.push(`[${out.totalChars - out.nextOffset} more characters: call again with offset ${out.nextOffset}]`);
    return lines.join('\n');
  },
});

import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { EXEC_CANNOT } from '../codex/exec/engine.ts';
import type { Config } from '../config.ts';
import { UserError } from '../errors.ts';
import { APPROVAL_MODES, type Turn, type TurnInteraction } from '../store/session.ts';
import { typeError } from './inputs.ts';

/** The launch and resume options that only the app-server engine has: approvals, images, outputSchema. */

export const MAX_IMAGES = 10;
const MAX_SCHEMA_CHARS = 64 * 1024;

export const interactionFields = {
  approvals: z
    .enum(APPROVAL_MODES, { error: 'approvals must be "never", "auto" or "ask".' })
    .optional()
    .describe('"never" (default): Codex never asks, the sandbox bounds it; "auto": Codex\'s own reviewer decides escalations; "ask": every request waits for codex_approve'),
  approvalTimeoutSeconds: z
    .number(typeError('approvalTimeoutSeconds must be a number of seconds.'))
    .int({ error: 'approvalTimeoutSeconds must be a whole number of seconds.' })
    .min(30, { error: 'approvalTimeoutSeconds must be at least 30.' })
    .max(86400, { error: 'approvalTimeoutSeconds must be at most 86400 (a day).' })
    .optional()
    .describe('With approvals "ask": an unanswered request is denied after this long (default 900)'),
  images: z
    .array(z.string(typeError('images must be absolute paths of image files.')), typeError('images must be a list of absolute paths of image files.'))
    .max(MAX_IMAGES, { error: `images may list at most ${MAX_IMAGES} files.` })
    .optional()
    .describe(`Up to ${MAX_IMAGES} absolute paths of local image files (PNG, JPEG, GIF, WebP) sent with the prompt`),
  outputSchema: z
    .record(z.string(), z.unknown(), typeError('outputSchema must be a JSON Schema object.'))
    .optional()
    .describe('A JSON Schema the final answer must follow; codex_result then returns it parsed as json'),
};

type Args = { approvals?: Turn['approvals'] | undefined; approvalTimeoutSeconds?: number | undefined; images?: string[] | undefined; outputSchema?: Record<string, unknown> | undefined };

/**
 * Checks the options and settles them for the new turn. A resumed turn keeps
 * the session's approval setting unless the call passes its own; images and
 * outputSchema belong to one turn only.
 */
export async function settleInteraction(args: Args, config: Config, previous: Turn | null): Promise<TurnInteraction> {
  const approvals = args.approvals ?? previous?.approvals ?? 'never';
  const approvalTimeoutSeconds = args.approvalTimeoutSeconds ?? previous?.approvalTimeoutSeconds;
  if (config.engine === 'exec') {
    if (approvals === 'ask' || approvals === 'auto') throw new UserError('bad_input', EXEC_CANNOT(`approvals: "${approvals}"`));
    if (args.images?.length) throw new UserError('bad_input', EXEC_CANNOT('images'));
    if (args.outputSchema) throw new UserError('bad_input', EXEC_CANNOT('outputSchema'));
  }
  const images = args.images ? await checkImages(args.images) : [];
  if (args.outputSchema && JSON.stringify(args.outputSchema).length > MAX_SCHEMA_CHARS) {
    throw new UserError('bad_input', `outputSchema is longer than ${MAX_SCHEMA_CHARS} characters of JSON; describe a smaller answer.`);
  }
  return {
    approvals,
    ...(approvalTimeoutSeconds !== undefined ? { approvalTimeoutSeconds } : {}),
    images,
    outputSchema: args.outputSchema ?? null,
  };
}

// The first bytes of each image format Codex reads.
const SIGNATURES: { name: string; test: (head: Buffer) => boolean }[] = [
  { name: 'PNG', test: (h) => h.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { name: 'JPEG', test: (h) => h[0] === 0xff && h[1] === 0xd8 && h[2] === 0xff },
  { name: 'GIF', test: (h) => h.subarray(0, 4).toString('latin1') === 'GIF8' },
  { name: 'WebP', test: (h) => h.subarray(0, 4).toString('latin1') === 'RIFF' && h.subarray(8, 12).toString('latin1') === 'WEBP' },
];

async function checkImages(images: string[]): Promise<string[]> {
  for (const [index, file] of images.entries()) {
    const which = `images[${index}] (${file})`;
    if (!path.isAbsolute(file)) throw new UserError('bad_input', `${which} is not an absolute path; give the full path of the image file.`);
    const info = await stat(file).catch(() => undefined);
    if (!info) throw new UserError('bad_input', `${which} does not exist or cannot be read; check the path.`);
    if (!info.isFile()) throw new UserError('bad_input', `${which} is not a file; give the path of a PNG, JPEG, GIF or WebP image.`);
    const head = Buffer.alloc(12);
    const handle = await open(file, 'r').catch(() => undefined);
    if (!handle) throw new UserError('bad_input', `${which} cannot be read by this server; check its permissions.`);
    try {
      await handle.read(head, 0, 12, 0);
    } finally {
      await handle.close();
    }
    if (!SIGNATURES.some((s) => s.test(head))) throw new UserError('bad_input', `${which} is not an image Codex can read (PNG, JPEG, GIF or WebP).`);
  }
  return images;
}

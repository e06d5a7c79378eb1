import { readFileSync } from 'node:fs';
import JSON5 from 'json5';
import { z } from 'zod';
import type { Config } from '../config.ts';

/** The few OpenClaw settings we use; the file is JSON5 and holds much more. */
const openclawFileSchema = z.looseObject({
  gateway: z.looseObject({ auth: z.looseObject({ token: z.string().optional() }).optional() }).optional(),
  hooks: z
    .looseObject({
      enabled: z.boolean().optional(),
      token: z.string().optional(),
      allowRequestSessionKey: z.boolean().optional(),
      allowedSessionKeyPrefixes: z.array(z.string()).optional(),
    })
    .optional(),
});
export type OpenClawFile = z.infer<typeof openclawFileSchema>;

export interface GatewayCredentials {
  url: string;
  /** For /tools/invoke (chat messages). */
  token: string | undefined;
  /** For /hooks/* (agent wake); distinct from the gateway token. */
  hooksToken: string | undefined;
}

/** Reads OpenClaw's config file; undefined when it is absent or unreadable (notifications are optional). */
export function readOpenClawFile(file: string): { data?: OpenClawFile; error?: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  try {
    const parsed = openclawFileSchema.safeParse(JSON5.parse(text));
    return parsed.success ? { data: parsed.data } : { error: `unexpected shape: ${parsed.error.issues[0]?.message}` };
  } catch (error) {
    return { error: `not valid JSON5: ${(error as Error).message}` };
  }
}

/** Tokens from the environment first, else from OpenClaw's own config. Never logged, never on argv. */
export function resolveCredentials(config: Config): GatewayCredentials {
  let token = config.gateway.token;
  let hooksToken = config.gateway.hooksToken;
  if (!token || !hooksToken) {
    const { data } = readOpenClawFile(config.gateway.configPath);
    token ??= data?.gateway?.auth?.token;
    if (data?.hooks?.enabled !== false) hooksToken ??= data?.hooks?.token;
  }
  return { url: config.gateway.url, token, hooksToken };
}

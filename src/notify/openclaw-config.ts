import { readFileSync } from 'node:fs';
import JSON5 from 'json5';
import { z } from 'zod';
import type { Config } from '../config.ts';

/** The few OpenClaw settings we use; the file is JSON5 and holds much more. */
const openclawFileSchema = z.looseObject({
  gateway: z
    .looseObject({
      // A port we cannot use must not make the tokens unreadable: it reads as "not set".
      port: z.number().int().min(1).max(65535).optional().catch(undefined),
      auth: z.looseObject({ token: z.string().optional() }).optional(),
    })
    .optional(),
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

export interface ResolvedGateway extends GatewayCredentials {
  /** Where url came from, for the doctor: 'OPENCLAW_GATEWAY_URL', 'gateway.port of <file>' or 'default'. */
  urlSource: string;
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

/**
 * The gateway URL and tokens: from the environment first, else from OpenClaw's own config (a
 * gateway on another port is found through gateway.port). Tokens are never logged, never on argv.
 */
export function resolveCredentials(config: Config): ResolvedGateway {
  let token = config.gateway.token;
  let hooksToken = config.gateway.hooksToken;
  let url = config.gateway.url;
  let urlSource = config.gateway.urlFromEnv ? 'OPENCLAW_GATEWAY_URL' : 'default';
  if (!token || !hooksToken || !config.gateway.urlFromEnv) {
    const { data } = readOpenClawFile(config.gateway.configPath);
    token ??= data?.gateway?.auth?.token;
    if (data?.hooks?.enabled !== false) hooksToken ??= data?.hooks?.token;
    const port = data?.gateway?.port;
    if (!config.gateway.urlFromEnv && port !== undefined) {
      // The gateway serves HTTP on loopback at this port (its default bind); this server runs beside it.
      url = `http://127.0.0.1:${port}`;
      urlSource = `gateway.port of ${config.gateway.configPath}`;
    }
  }
  return { url, urlSource, token, hooksToken };
}

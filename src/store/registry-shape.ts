import type { z } from 'zod';
import { sessionSchema, type Session } from './session.ts';

/** The registry file's format version this code reads and writes. */
export const REGISTRY_VERSION = 1;

export interface RegistryData {
  version: typeof REGISTRY_VERSION;
  sessions: Record<string, Session>;
}

export const emptyData = (): RegistryData => ({ version: REGISTRY_VERSION, sessions: Object.create(null) });

/** A record that failed validation: kept verbatim so a person can look at it, never served or rewritten. */
export interface RejectedRecord {
  key: string;
  reason: string;
  raw: unknown;
}

export type ParsedRegistry =
  | { kind: 'ok'; data: RegistryData; rejected: RejectedRecord[] }
  /** Not a registry at all (an array, `sessions` that is not an object…): set the file aside whole. */
  | { kind: 'wrong-shape'; reason: string }
  /** Written by a newer version: neither served nor overwritten. */
  | { kind: 'newer'; version: unknown };

/**
 * Validates a parsed registry file record by record, so one damaged session
 * (a hand edit, a bug in an older version) never takes the others down: valid
 * records come back parsed (zod defaults filled in for fields added later),
 * invalid ones are returned apart with the reason.
 */
export function parseRegistry(raw: unknown): ParsedRegistry {
  if (raw === null) return { kind: 'ok', data: emptyData(), rejected: [] };
  if (!isPlainObject(raw)) return { kind: 'wrong-shape', reason: `the file holds ${describe(raw)}, not an object` };
  const version = raw.version ?? REGISTRY_VERSION;
  if (typeof version === 'number' && version > REGISTRY_VERSION) return { kind: 'newer', version };
  if (version !== REGISTRY_VERSION) return { kind: 'wrong-shape', reason: `unknown version ${JSON.stringify(version)}` };
  const sessions = raw.sessions ?? {};
  if (!isPlainObject(sessions)) return { kind: 'wrong-shape', reason: `"sessions" is ${describe(sessions)}, not an object of sessions by id` };
  const data = emptyData();
  const rejected: RejectedRecord[] = [];
  for (const [key, value] of Object.entries(sessions)) {
    const parsed = sessionSchema.safeParse(value);
    if (!parsed.success) {
      rejected.push({ key, raw: value, reason: describeZodError(parsed.error) });
    } else if (parsed.data.id !== key) {
      rejected.push({ key, raw: value, reason: `its id ${parsed.data.id} does not match its key` });
    } else {
      data.sessions[key] = parsed.data;
    }
  }
  return { kind: 'ok', data, rejected };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  return Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
}

/** The first problem of a failed parse in words: `turns.0.createdAt should be a string`. */
export function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid data';
  const where = issue.path.length > 0 ? issue.path.map(String).join('.') : 'the record';
  return issue.code === 'invalid_type' ? `${where} should be ${article(issue.expected)} ${issue.expected}` : `${where}: ${issue.message}`;
}

const article = (word: string) => (/^[aeiou]/.test(word) ? 'an' : 'a');

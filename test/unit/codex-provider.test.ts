// The doctor's small reader of Codex's config.toml agrees with a real TOML parser (smol-toml,
// a devDependency the shipped server cannot use) on the keys it reads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'smol-toml';
import { readCodexProvider } from '../../src/cli/codex-provider.ts';

const SAMPLES = [
  '',
  'model = "gpt-5"\n',
  'model_provider = "mock"\n\n[model_providers.mock]\nname = "mock"\nbase_url = "http://127.0.0.1:1/v1"\nenv_key = "MOCK_API_KEY"\nrequires_openai_auth = false\n',
  // env_key of another provider must not be taken for the active one's.
  'model_provider = "azure"\n[model_providers.other]\nenv_key = "OTHER_KEY"\n[model_providers.azure]\nbase_url = "https://x"\nenv_key = \'AZURE_OPENAI_API_KEY\' # comment\n',
  // A key under a table is not the top-level model_provider.
  '[profiles.fast]\nmodel_provider = "fast"\n[model_providers.fast]\nenv_key = "FAST_KEY"\n',
  'profile = "fast"\nmodel_provider = "openai"\n[profiles.fast]\nmodel_provider = "fast"\n[model_providers.fast]\nenv_key = "FAST_KEY"\n',
  'model_provider = "proxy"\n[model_providers."proxy"]\nrequires_openai_auth = true\n[[skills]]\nenv_key = "NOT_THIS"\n',
  'model_provider = "ollama"\n',
];

/** The same answer, computed from a full parse. */
function expected(toml: string) {
  const doc = parse(toml) as any;
  const id = (doc.profile && doc.profiles?.[doc.profile]?.model_provider) || doc.model_provider || 'openai';
  const table = doc.model_providers?.[id];
  return { id, custom: table !== undefined, envKey: table?.env_key, requiresOpenAiAuth: table?.requires_openai_auth === true };
}

test('readCodexProvider reads model_provider, the profile and the provider table like a TOML parser', () => {
  for (const sample of SAMPLES) assert.deepEqual(readCodexProvider(sample), expected(sample), sample);
});

// What the doctor needs from Codex's config.toml: which model provider Codex will use and which
// environment variable holds that provider's key. The only TOML parser in node_modules
// (smol-toml) is a devDependency, not shipped, and no runtime dependency parses TOML; so this
// reads just these few keys, written the way Codex's docs and `codex` itself write them
// (`key = "value"` lines under `[table]` headers). Anything fancier reads as "not set",
// which makes the doctor fall back to the default provider's checks: never a false ✔.

export interface CodexProvider {
  /** The provider id (`model_provider`, from the active profile if any); 'openai' by default. */
  id: string;
  /** True when config.toml defines `[model_providers.<id>]`. */
  custom: boolean;
  /** `env_key` of that table: the variable Codex reads the provider's key from. */
  envKey: string | undefined;
  /** `requires_openai_auth = true`: the provider uses the ChatGPT login / OPENAI_API_KEY. */
  requiresOpenAiAuth: boolean;
}

type Tables = Map<string, Map<string, string>>;

const unquote = (text: string) => text.trim().replace(/^"(.*)"$|^'(.*)'$/, (_m, a, b) => a ?? b);

/** Table path → key → raw value (strings unquoted), for `key = value` lines. */
function readTables(toml: string): Tables {
  const tables: Tables = new Map([['', new Map()]]);
  let current = tables.get('')!;
  for (const raw of toml.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[\s*([^[\]]+?)\s*\]\s*(#.*)?$/.exec(line);
    if (header) {
      const name = header[1]!
        .split('.')
        .map((part) => unquote(part))
        .join('.');
      current = tables.get(name) ?? new Map();
      tables.set(name, current);
      continue;
    }
    if (line.startsWith('[[')) {
      current = new Map(); // an array of tables: nothing we read lives there
      continue;
    }
    const pair = /^([A-Za-z0-9_-]+)\s*=\s*("[^"]*"|'[^']*'|[^#\s]+)/.exec(line);
    if (pair) current.set(pair[1]!, unquote(pair[2]!));
  }
  return tables;
}

export function readCodexProvider(toml: string): CodexProvider {
  const tables = readTables(toml);
  const top = tables.get('')!;
  const profile = top.get('profile');
  const id = (profile && tables.get(`profiles.${profile}`)?.get('model_provider')) || top.get('model_provider') || 'openai';
  const table = tables.get(`model_providers.${id}`);
  return {
    id,
    custom: table !== undefined,
    envKey: table?.get('env_key') || undefined,
    requiresOpenAiAuth: table?.get('requires_openai_auth') === 'true',
  };
}

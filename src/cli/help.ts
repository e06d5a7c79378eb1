import { SUPPORTED_NODE } from '../node-version.ts';

export const HELP = `codex-delegate-mcp — hand long work to the Codex CLI from any MCP client

Usage:
  codex-delegate-mcp            start the MCP server on stdio (what MCP clients run)
  codex-delegate-mcp doctor     check Node, Codex and its provider's key or login, the state
                                directory, and OpenClaw (gateway, tokens, hooks, a dry run of the
                                default chat route); changes nothing
  codex-delegate-mcp --version  print the version
  codex-delegate-mcp --help     print this help

Tools: codex_launch, codex_status, codex_result, codex_resume, codex_cancel.

Main settings (environment): CODEX_DELEGATE_HOME (state, default ~/.codex-delegate),
CODEX_DELEGATE_DEFAULT_CWD, CODEX_BIN, CODEX_DELEGATE_MAX_CONCURRENT, OPENCLAW_GATEWAY_URL
(default: gateway.port of OpenClaw's config, else 18789), OPENCLAW_GATEWAY_TOKEN,
OPENCLAW_HOOKS_TOKEN, OPENCLAW_CONFIG_PATH. The README lists them all.

Needs Node.js ${SUPPORTED_NODE}.

`;

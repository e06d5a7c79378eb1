// Stands in for the MCP SDK's validation/ajv-provider.js inside the server bundle
// (scripts/build.ts swaps it in): the SDK imports Ajv statically but constructs it only
// when no jsonSchemaValidator is given, and createServer always gives one
// (no-elicitation-validator.ts). So loading Ajv and ajv-formats would only cost start-up time.

export class AjvJsonSchemaValidator {
  constructor() {
    throw new Error(
      'Ajv is left out of the codex-delegate-mcp server bundle; construct McpServer with a jsonSchemaValidator ' +
        '(see src/server/no-elicitation-validator.ts) or remove the ajv-provider swap in scripts/build.ts.',
    );
  }
}

import type { jsonSchemaValidator, JsonSchemaValidator } from '@modelcontextprotocol/sdk/validation';

/**
 * The MCP SDK validates a client's answer to a form elicitation against the requested JSON Schema,
 * and by default builds an Ajv for that when the server is constructed (≈ 110 ms of start-up).
 * This server never asks the client for input, so it passes this validator instead: nothing is
 * built, and should a future change start eliciting, the first use says what to do rather than
 * accepting unchecked answers.
 */
export class NoElicitationValidator implements jsonSchemaValidator {
  getValidator<T>(): JsonSchemaValidator<T> {
    throw new Error(
      'codex-delegate-mcp does not validate elicitation answers: it was built without a JSON Schema validator. ' +
        'To request user input, pass a real jsonSchemaValidator (for example the SDK\'s AjvJsonSchemaValidator) in src/server/create-server.ts.',
    );
  }
}

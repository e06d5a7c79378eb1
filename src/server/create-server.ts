import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { NoElicitationValidator } from './no-elicitation-validator.ts';
import { registerResources } from './resources.ts';
import { registerTool, type ToolDeps } from './tool.ts';
import { applyTool } from './tools/apply.ts';
import { cancelTool } from './tools/cancel.ts';
import { forgetTool } from './tools/forget.ts';
import { launchTool } from './tools/launch.ts';
import { resultTool } from './tools/result.ts';
import { resumeTool } from './tools/resume.ts';
import { statusTool } from './tools/status.ts';
import { steerTool } from './tools/steer.ts';
import { approveTool } from './tools/approve.ts';
import { VERSION } from '../version.ts';

export const SERVER_NAME = 'codex-delegate-mcp';

const INSTRUCTIONS =
  'Delegate long coding tasks to the Codex CLI without waiting: codex_launch returns a sessionId at once; ' +
  'codex_status shows progress; codex_result returns the answer (paged); codex_resume continues the same ' +
  'conversation; codex_steer adds text to a running turn; codex_approve answers what Codex asks with approvals "ask"; codex_cancel stops it; codex_forget deletes a finished one; codex_apply applies, keeps or discards the work of an isolated (isolation: "worktree") session.';

export function createServer(deps: ToolDeps): McpServer {
  const server = new McpServer({ name: SERVER_NAME, version: VERSION }, {
    instructions: INSTRUCTIONS,
    // We never elicit, so the SDK need not build Ajv to check answers (see no-elicitation-validator.ts).
    jsonSchemaValidator: new NoElicitationValidator(),
  });
  registerTool(server, launchTool, deps);
  registerTool(server, statusTool, deps);
  registerTool(server, resultTool, deps);
  registerTool(server, resumeTool, deps);
  registerTool(server, cancelTool, deps);
  registerTool(server, forgetTool, deps);
  registerTool(server, applyTool, deps);
  registerTool(server, steerTool, deps);
  registerTool(server, approveTool, deps);
  registerResources(server, deps);
  return server;
}

// A tiny JSON-RPC peer over stdio (newline-delimited JSON, no "jsonrpc"
// field), the app-server's wire format, for testing the client itself:
//   echo {…}      → answers with the params
//   fail          → answers with error -32600
//   silent        → never answers
//   big {bytes}   → a notification line of that many bytes, then `after-big`, then answers
//   ask           → sends server request 0 (`item/tool/requestUserInput`), answers with what came back
// stdin closed → exit 0.
import { createInterface } from 'node:readline';

const send = (message: unknown) => process.stdout.write(`${JSON.stringify(message)}\n`);
const waitingForAnswer = new Map<number, (answer: unknown) => void>();

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', (line) => {
  const message = JSON.parse(line) as { id?: number; method?: string; params?: { bytes?: number }; result?: unknown; error?: unknown };
  if (message.method === undefined && message.id !== undefined) {
    waitingForAnswer.get(message.id)?.(message.result ?? { error: message.error });
    return;
  }
  const id = message.id;
  switch (message.method) {
    case 'echo':
      send({ method: 'echoing', params: { n: 1 } });
      send({ id, result: message.params });
      break;
    case 'fail':
      send({ id, error: { code: -32600, message: 'no active turn to steer' } });
      break;
    case 'big':
      process.stdout.write(`{"method":"huge","params":{"text":"${'x'.repeat(message.params?.bytes ?? 0)}"}}\n`);
      send({ method: 'after-big', params: {} });
      send({ id, result: 'ok' });
      break;
    case 'ask':
      waitingForAnswer.set(0, (answer) => send({ id, result: answer }));
      send({ id: 0, method: 'item/tool/requestUserInput', params: { questions: [] } });
      break;
  }
});
lines.on('close', () => process.exit(0));

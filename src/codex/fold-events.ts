import { ZERO_USAGE, type Counters, type TurnProgress } from '../store/session.ts';
import type { CodexEvent, ThreadItem } from './events.ts';

/** What the runner knows about a turn, derived only from Codex's events. */
export interface Progress extends TurnProgress {
  /** The latest complete agent message: the answer so far. */
  lastMessage: string | null;
  /** `turn.completed` seen: Codex says the turn succeeded. */
  completed: boolean;
  /** The message of `turn.failed`: Codex says the turn failed. */
  failure: string | null;
  /** The latest `error` event or error item; often a retry notice, so never an outcome by itself. */
  lastError: string | null;
}

export const MAX_COMMANDS = 50;
export const MAX_FILES = 200;

export function initialProgress(threadId: string | null = null): Progress {
  return {
    threadId,
    activity: 'starting',
    counters: { commands: 0, fileChanges: 0, messages: 0, errors: 0 },
    usage: { ...ZERO_USAGE },
    filesChanged: [],
    commands: [],
    lastMessage: null,
    completed: false,
    failure: null,
    lastError: null,
    lastErrorEvent: null,
  };
}

/** Pure reducer: the progress after one more event. Returns the same object when nothing changed. */
export function foldEvent(progress: Progress, event: CodexEvent): Progress {
  switch (event.type) {
    case 'thread.started':
      return { ...progress, threadId: event.thread_id, activity: 'starting' };
    case 'turn.started':
      return { ...progress, activity: 'thinking' };
    case 'turn.completed': {
      const u = event.usage;
      const usage = u
        ? {
            inputTokens: u.input_tokens,
            cachedInputTokens: u.cached_input_tokens,
            cacheWriteInputTokens: u.cache_write_input_tokens,
            outputTokens: u.output_tokens,
            reasoningOutputTokens: u.reasoning_output_tokens,
          }
        : progress.usage;
      return { ...progress, usage, completed: true, activity: 'done' };
    }
    case 'turn.failed':
      return { ...progress, failure: event.error.message, activity: 'failed' };
    case 'error': {
      const retry = reconnecting(event.message);
      return {
        ...progress,
        activity: retry ?? progress.activity,
        lastError: event.message,
        lastErrorEvent: event.message,
        counters: bump(progress.counters, 'errors', 1),
      };
    }
    case 'item.started':
    case 'item.updated':
      return { ...progress, activity: activityOf(event.item, false) ?? progress.activity };
    case 'item.completed':
      return completeItem({ ...progress, activity: activityOf(event.item, true) ?? progress.activity }, event.item);
    case 'unknown':
      return progress;
  }
}

/**
 * Whether an event shows Codex getting on with the turn. Error events are not:
 * a Codex that cannot reach its model repeats `Reconnecting…` for minutes, and
 * counting those would make a stuck run look alive.
 */
export function showsProgress(event: CodexEvent): boolean {
  if (event.type === 'error') return false;
  if ((event.type === 'item.started' || event.type === 'item.completed' || event.type === 'item.updated') && event.item.type === 'error') return false;
  return true;
}

/**
 * `reconnecting (3/5): <reason>` for Codex's retry notices, undefined for other
 * errors. Codex 0.171 says `Reconnecting... 3/5 (<reason>)` when a request fails
 * and it tries again, and `Reconnecting... waiting for network (<reason>)` while
 * offline. Codex gives these no code of their own, so the text is all there is.
 */
export function reconnecting(message: string): string | undefined {
  const match = /^Reconnecting\.{3}\s*(?:(\d+\/\d+)|(waiting for network))?\s*(?:\((.*)\))?\s*$/s.exec(message.trim());
  if (!match) return undefined;
  const [, attempt, waiting, reason] = match;
  const what = attempt ?? waiting;
  return `reconnecting${what ? ` (${what})` : ''}${reason ? `: ${shorten(reason, 120)}` : ''}`;
}

function completeItem(progress: Progress, item: ThreadItem): Progress {
  switch (item.type) {
    case 'agent_message':
      return { ...progress, lastMessage: item.text, counters: bump(progress.counters, 'messages', 1) };
    case 'command_execution': {
      const record = { command: unwrapShell(item.command), exitCode: item.exit_code ?? null };
      return {
        ...progress,
        commands: [...progress.commands, record].slice(-MAX_COMMANDS),
        counters: bump(progress.counters, 'commands', 1),
      };
    }
    case 'file_change': {
      const files = new Set(progress.filesChanged);
      for (const change of item.changes) if (files.size < MAX_FILES) files.add(change.path);
      return {
        ...progress,
        filesChanged: [...files],
        counters: bump(progress.counters, 'fileChanges', item.changes.length),
      };
    }
    case 'error':
      return { ...progress, lastError: item.message, counters: bump(progress.counters, 'errors', 1) };
    default:
      return progress;
  }
}

/** A few words on what Codex is doing, for status lines and heartbeats. */
function activityOf(item: ThreadItem, done: boolean): string | undefined {
  switch (item.type) {
    case 'command_execution':
      return done ? 'thinking' : `running: ${shorten(unwrapShell(item.command), 60)}`;
    case 'file_change': {
      const n = item.changes.length;
      return done ? 'thinking' : `editing ${n} file${n === 1 ? '' : 's'}`;
    }
    case 'reasoning':
      return 'thinking';
    case 'agent_message':
      return done ? 'answered' : 'writing the answer';
    case 'mcp_tool_call':
      return done ? 'thinking' : `calling ${[item.server, item.tool].filter(Boolean).join('.') || 'a tool'}`;
    case 'web_search':
      return done ? 'thinking' : `searching the web${item.query ? `: ${shorten(item.query, 50)}` : ''}`;
    case 'todo_list': {
      const finished = item.items.filter((entry) => entry.completed).length;
      return `planning (${finished}/${item.items.length} done)`;
    }
    default:
      return undefined;
  }
}

function bump(counters: Counters, key: keyof Counters, by: number): Counters {
  return { ...counters, [key]: counters[key] + by };
}

/** Codex reports commands as `/bin/bash -lc '<command>'`; people want to read `<command>`. */
function unwrapShell(command: string): string {
  const match = /^(?:\/\S*\/)?(?:ba|z)?sh -l?c '((?:[^']|'\\'')*)'$/.exec(command);
  return match ? match[1]!.replaceAll("'\\''", "'") : command;
}

function shorten(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

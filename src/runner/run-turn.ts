import { chmod } from 'node:fs/promises';
import { writePrivateFile } from '../store/private-file.ts';
import type { EngineExit, EngineTurn } from '../codex/engine.ts';
import { initialProgress, type Progress } from '../codex/fold-events.ts';
import { locateCodex } from '../codex/locate.ts';
import type { EarlyCodex } from './early-codex.ts';
import { STOP_SIGNALS } from './early-signals.ts';
import type { Config } from '../config.ts';
import { errorMessage } from '../errors.ts';
import type { Paths } from '../store/paths.ts';
import type { Registry } from '../store/registry.ts';
import type { Session, Turn } from '../store/session.ts';
import { findTurn, finishTurn, type Outcome } from '../store/transitions.ts';
import { readTail } from '../store/read-tail.ts';
import { readTurnPrompt } from '../store/turn-input.ts';
import { assertSandboxAllowed } from '../sandbox-gate.ts';
import type { Notifier } from '../notify/notifier.ts';
import { deliverDue, drain } from '../notify/outbox.ts';
import { startHeartbeat } from './heartbeat.ts';
import { checkStoredAnswer } from './answer-check.ts';
import { CappedLog } from './capped-log.ts';
import { decideOutcome } from './outcome.ts';
import { reapGroup, signalGroup } from '../process/group.ts';
import { processStartTime } from '../process/liveness.ts';
import { ProgressWriter } from './progress-writer.ts';
import { killOwnDescendants, TurnProcesses, turnMarker } from '../process/turn-processes.ts';
import { beginTurnDiff, finishTurnDiffRecord } from './turn-diff.ts';
import { codexWorkingDirectory } from './turn-command.ts';
import { startEngine } from './start-engine.ts';
import { TurnInbox } from './turn-inbox.ts';
import { ApprovalDesk } from './approval-desk.ts';

export interface RunnerDeps {
  config: Config;
  registry: Registry;
  paths: Paths;
  notifier: Notifier | null;
  log: (message: string) => void;
  /** A stop signal the runner received before this turn installed its own handlers (see early-signals.ts). */
  earlyStop?: () => string | null;
  /** Codex started before the claim (see early-codex.ts): adopted if it is the turn's, killed otherwise. */
  early?: EarlyCodex;
  /** Runners of other turns this runner started (pid → start time): left alone when the turn's processes are stopped. */
  siblingRunners?: ReadonlyMap<number, string>;
}

/** What is kept of a turn's raw events and of Codex's stderr, whatever Codex prints: the start and the latest. */
const EVENTS_CAP = { headBytes: 8 * 1024 * 1024, tailBytes: 2 * 1024 * 1024 };
const STDERR_CAP = { headBytes: 256 * 1024, tailBytes: 256 * 1024 };
const LOGGED_BAD_LINES = 20;
/** How long app-server gets to end an interrupted turn itself before its group is signalled. */
const INTERRUPT_GRACE_MS = 3000;
const CUT_NOTE = 'events were left out here to bound the file; progress still counted them';

/**
 * Owns one turn from start to a terminal state: claims it in the registry,
 * runs Codex, folds its events into progress, enforces the timeout, and
 * persists the outcome. Returns the outcome it persisted (undefined when the
 * turn was not ours to run).
 */
export async function runTurn(deps: RunnerDeps, sessionId: string, turnNo: number): Promise<Outcome | undefined> {
  const { registry, paths, log, notifier } = deps;
  const claimed = await claim(registry, sessionId, turnNo, notifier);
  if (!claimed) {
    // Codex started early has no prompt and no turn: it goes at once, with anything it started.
    if (deps.early) {
      deps.early.discard();
      killOwnDescendants(deps.siblingRunners);
    }
    log(`turn ${turnNo} of ${sessionId} is not waiting for a runner; nothing to do`);
    return undefined;
  }
  const { session, turn } = claimed;
  // An isolated session's Codex works in its own worktree; the turn's diff starts from the tree as it is now.
  session.cwd = codexWorkingDirectory(session);
  const diffStart = await beginTurnDiff(deps, sessionId, turnNo, session.cwd);
  const file = (kind: Parameters<Paths['turnFile']>[2]) => paths.turnFile(sessionId, turnNo, kind);
  // The 🚀 goes out while Codex starts; the final waits for it so the chat reads in order.
  const launchNote = notifier ? deliverDue(registry, notifier, { sessionId }).catch((e) => log(`notify: ${errorMessage(e)}`)) : undefined;
  const stopHeartbeat =
    notifier && turn.heartbeatSeconds > 0
      ? startHeartbeat(registry, notifier, { sessionId, turn: turnNo, intervalMs: turn.heartbeatSeconds * 1000 }, log)
      : async () => {};

  let stopSignal: string | null = null;
  let timedOut = false;
  let overBudget: { used: number; budget: number } | null = null;
  let killTimer: NodeJS.Timeout | undefined;
  let groupTimer: NodeJS.Timeout | undefined;
  let stopping = false;
  let turnRun: EngineTurn | undefined;
  // Stop the turn: ask Codex to interrupt it first (app-server ends and records the turn itself),
  // then Codex's whole group politely, then for sure. The runner leads the group and gets the
  // SIGTERM too; its handler below keeps it alive to record what happened.
  const stopGroup = () => {
    if (killTimer) return;
    signalGroup(process.pid, 'SIGTERM');
    killTimer = setTimeout(() => reapGroup(process.pid), deps.config.killGraceMs);
  };
  const terminate = () => {
    if (stopping) return;
    stopping = true;
    if (!turnRun) return stopGroup();
    turnRun.interrupt().catch((error) => log(`interrupt failed: ${errorMessage(error)}`));
    // exec has nothing to wait for (its interrupt is a signal); app-server gets a moment to end the turn.
    groupTimer = setTimeout(stopGroup, deps.config.engine === 'exec' ? 0 : Math.min(deps.config.killGraceMs, INTERRUPT_GRACE_MS));
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopSignal === null) stopSignal = signal;
    terminate();
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  // A cancel that signalled the runner between its claim and this point is not lost.
  stopSignal ??= deps.earlyStop?.() ?? null;

  let heartbeatSettled: Promise<void> = Promise.resolve();
  let progress: Progress = initialProgress(session.threadId);
  // Only events that show Codex working move lastEventAt: retry notices do not, so a stuck run looks stuck.
  let lastEventAt: string | null = null;
  // An agent message too long to parse came after the last one we read: the answer is not known here.
  let answerUnread = false;
  let exit: EngineExit;
  let badLines = 0;
  const writer = new ProgressWriter(registry, { sessionId, turn: turnNo, messageFile: file('message.txt') }, log);
  const marker = turnMarker(sessionId, turnNo);
  const processes = new TurnProcesses(marker, process.pid, deps.siblingRunners);
  let events: CappedLog | undefined;
  let stderr: CappedLog | undefined;
  let inbox: TurnInbox | undefined;
  let desk: ApprovalDesk | undefined;
  const timeout = setTimeout(() => {
    timedOut = true;
    terminate();
  }, turn.timeoutSeconds * 1000);
  try {
    assertSandboxAllowed(session.sandbox, deps.config);
    const bin = await locateCodex(deps.config.codexBin, deps.config.env);
    const prompt = await readTurnPrompt(paths, sessionId, turnNo, turn.inputId);
    // Codex's -o file is created by Codex with the umask's mode: make it ours (empty, 0600) first.
    await writePrivateFile(file('last-message.txt'), '');
    // A cancel that arrived while we were getting ready must not start Codex after all.
    if (stopSignal !== null) throw new Error(`stopped by ${stopSignal} before Codex started`);
    events = new CappedLog(file('events.jsonl'), { ...EVENTS_CAP, wholeLines: true, marker: (bytes) => `${JSON.stringify({ type: 'codex-delegate.cut', bytes, note: CUT_NOTE })}\n`, log });
    stderr = new CappedLog(file('stderr.log'), { ...STDERR_CAP, marker: (bytes) => `\n[codex-delegate: ${bytes} bytes of stderr cut here; the start and the end are kept]\n`, log });
    const stderrLog = stderr;
    turnRun = startEngine({
      config: deps.config,
      session,
      turnNo,
      bin,
      prompt,
      early: deps.early,
      lastMessageFile: file('last-message.txt'),
      onStderr: (chunk) => stderrLog.write(chunk),
      approvals: turn.approvals,
      images: turn.images,
      outputSchema: turn.outputSchema ?? undefined,
      log,
    });
    processes.watch();
    // Steers (and approval answers) from the server reach the running turn through the registry.
    const turnInbox = new TurnInbox(deps, { sessionId, turn: turnNo }, turnRun);
    inbox = turnInbox;
    if (deps.config.engine !== 'exec') inbox.start();
    desk = new ApprovalDesk(deps, { sessionId, turn: turnNo, timeoutSeconds: turn.approvalTimeoutSeconds }, () => turnInbox.check());
    const approvalDesk = desk;
    // runner.log is not capped: say what was wrong with the first stdout lines, then only count.
    const logLine = (message: string) => {
      badLines += 1;
      if (badLines <= LOGGED_BAD_LINES) log(message);
    };
    log(`codex started (pid ${turnRun.pid}, ${deps.config.engine} engine) for ${sessionId} turn ${turnNo}`);
    for await (const ev of turnRun.events) {
      if (ev.line !== null) events.write(`${ev.line}\n`);
      if (ev.problem) logLine(ev.problem);
      if (ev.answerLost) answerUnread = true;
      // Persisted before anything else happens to the turn: a person has to see it to answer it.
      if (ev.approval) await approvalDesk.add(ev.approval, ev.progress.activity).catch((error) => log(`approval: ${errorMessage(error)}`));
      if (ev.problem && ev.progress === progress) continue;
      if (ev.progress.counters.messages !== progress.counters.messages) answerUnread = false;
      progress = ev.progress;
      if (ev.line !== null && !ev.idle) lastEventAt = new Date().toISOString();
      writer.push(progress, lastEventAt, ev.transition);
      const used = progress.usage.inputTokens + progress.usage.outputTokens;
      if (turn.maxTokens !== null && used > turn.maxTokens && overBudget === null) {
        overBudget = { used, budget: turn.maxTokens };
        terminate();
      }
    }
    exit = await turnRun.exited;
    if (badLines > LOGGED_BAD_LINES) log(`${badLines} stdout lines were not events (the first ${LOGGED_BAD_LINES} are logged above)`);
  } catch (error) {
    exit = { exitCode: null, signal: null, spawnError: errorMessage(error) };
  } finally {
    clearTimeout(timeout);
    // Not adopted (the turn failed before Codex was needed): it must not outlive the turn.
    deps.early?.discard();
    // Steers and answers already on their way record how they went before the turn's end is written.
    await inbox?.stop();
    desk?.stop();
    events?.close();
    stderr?.close();
    // Codex is gone; whatever it started goes too, wherever it went (group, session, reparented).
    clearTimeout(groupTimer);
    clearTimeout(killTimer);
    const reaped = processes.reap().length + reapGroup(process.pid);
    if (reaped > 0) log(`killed ${reaped} process(es) the turn left behind`);
    // Stops the beats now; a beat still in flight is awaited only before the final goes out,
    // so a slow gateway never delays recording the outcome.
    heartbeatSettled = stopHeartbeat();
  }
  await writer.flush();
  // In case Codex replaced the file rather than writing into it.
  await chmod(file('last-message.txt'), 0o600).catch(() => {});
  // app-server has no -o file: the runner stores the answer of a completed turn itself, as exec's -o would.
  if (deps.config.engine !== 'exec' && progress.completed && progress.lastMessage !== null && !answerUnread) {
    await writePrivateFile(file('last-message.txt'), progress.lastMessage).catch((error) => log(`could not store the answer: ${errorMessage(error)}`));
  }

  const answer = await checkStoredAnswer(paths, sessionId, turnNo, answerUnread ? null : progress, log);
  const outcome = decideOutcome({
    progress,
    exit,
    cancelReason: await recordedCancel(registry, sessionId, turnNo),
    timedOutAfterSeconds: timedOut ? turn.timeoutSeconds : null,
    stopSignal,
    overBudget,
    stderrTail: (await readTail(file('stderr.log'), 8192)).text,
    resultChars: answer.fullChars,
    resultStoredChars: answer.storedChars,
  });
  const resultText = answer.text;
  await finishTurnDiffRecord(deps, session, turnNo, diffStart);
  // Persist first, notify after: the outcome and its messages land in one atomic write.
  await registry.update((data) => {
    const found = findTurn(data, sessionId, turnNo);
    const now = new Date().toISOString();
    if (found && finishTurn(found.turn, outcome, now)) notifier?.enqueueFinal(found.session, found.turn, resultText, now);
  });
  log(`turn ${turnNo} of ${sessionId} ended: ${outcome.status}${outcome.error ? ` (${outcome.error})` : ''}`);
  for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  if (notifier) {
    // One budget for all that follows, a 🚀 or 📡 still in flight included (each ends by its request deadline).
    const notifyUntil = Date.now() + notifier.budgetMs;
    await launchNote;
    await heartbeatSettled;
    await drain(registry, notifier, sessionId, notifyUntil);
  }
  return outcome;
}

/** Marks the turn as ours. Only a turn the scheduler moved to `running`, without a live runner, can be claimed. */
async function claim(
  registry: Registry,
  sessionId: string,
  turnNo: number,
  notifier: Notifier | null,
): Promise<{ session: Session; turn: Turn } | undefined> {
  return registry.update((data) => {
    const found = findTurn(data, sessionId, turnNo);
    if (!found || found.turn.status !== 'running' || found.turn.cancel) return undefined;
    if (found.turn.runner && found.turn.runner.pid !== process.pid) return undefined;
    found.turn.runner = { pid: process.pid, startTime: processStartTime(process.pid) };
    found.turn.startedAt = new Date().toISOString();
    found.turn.activity = 'starting';
    notifier?.enqueueLaunch(found.session, found.turn, found.turn.startedAt);
    return structuredClone(found);
  });
}

async function recordedCancel(registry: Registry, sessionId: string, turnNo: number): Promise<string | null> {
  const found = findTurn(await registry.read(), sessionId, turnNo);
  return found?.turn.cancel?.reason ?? null;
}

import {
  CONFIRM_STARTUP_GRACE_MS,
  confirmable,
  type ConfirmationState,
  confirmationState,
  confirmRun,
  expireRun,
  loadRuns,
  revertHeldUntil,
} from "../engine/mod.ts";
import { NoRunError, NsrecipeError, UndoError } from "../errors.ts";
import { archivedRunCalled } from "./archived.ts";
import { type ConfirmRefusal, foldRuns, readJournal, type StopSignal } from "../journal/mod.ts";
import {
  assertStateDirInLab,
  engineDeps,
  type GlobalOptions,
  processesFor,
  runnerFor,
  testFaultHook,
  withJournal,
} from "./composition_root.ts";
import type { Output } from "./output.ts";
import { actOnExpiredWindows } from "./expired.ts";
import { clockTime, momentOf } from "./clock.ts";
import { confirmationOf } from "./status.ts";
import { announceConfirmIntent, liveConfirmIntents, startedAt } from "./confirm_intents.ts";
import { ignoreStopSignals, listenStopSignals } from "./interrupt.ts";

/**
 * `nsrecipe confirm [RUN]`: keeps a run that waits for confirmation.
 * @param selector Run id or name; `undefined` for the newest waiting run.
 * @param g Global options.
 * @param out The output.
 * @param by Where the confirmation comes from, as recorded: `command` (`nsrecipe confirm`) or `tty` (yes typed at the prompt).
 * @param answeredAt For `tty`: when `yes` was typed (ms since the epoch); without it, when this process started.
 * @throws {UsageError} When no run waits for confirmation, or the run was applied without a window.
 * @throws {PreconditionError} When the run is closed (undone, rolled back, reverted at its deadline) or too late.
 */
export async function confirmCommand(
  selector: string | undefined,
  g: GlobalOptions,
  out: Output,
  by: "tty" | "command" = "command",
  answeredAt?: number,
): Promise<void> {
  // The admin's intent counts from when they asked: this process's start, or the typed answer's time.
  const started = answeredAt === undefined ? await startedAt(runnerFor(out)) : { at: answeredAt };
  if (g.dryRun) {
    // The same choice and the same refusals as the real one, from the journal read without the lock.
    const { run, already } = await orArchived(
      g,
      selector,
      started.at,
      async () => confirmable(foldRuns(await readJournal(g.stateDir)).runs, selector, started.at),
    );
    out.data({
      run: run.id,
      label: run.label,
      already,
      confirmation: confirmationOf(run, Date.now()) ?? null,
      dryRun: true,
    });
    out.result(
      already
        ? `Dry run: run ${run.id} (${run.label}) is already confirmed: it stays; nothing recorded.`
        : `Dry run: would confirm run ${run.id} (${run.label}); nothing recorded.`,
    );
    return;
  }
  // In a lab, a state directory on the real host's disk is refused before anything is written there.
  await assertStateDirInLab(g.stateDir, runnerFor(out));
  // Announced before anything waits (the lock, a revert in progress): whoever would revert a window whose
  // deadline this confirm was started by holds back until it has its say (revertHeldUntil).
  const forget = await announceConfirmIntent(g.stateDir, started.at, started.startTime);
  try {
    // A window whose watchdog is gone is acted on first, so that 'too late' says what happened.
    await actOnExpiredWindows(g, out, runnerFor(out));
    await withJournal(g, out, async (journal) => {
      const { run, already } = await orArchived(
        g,
        selector,
        started.at,
        () => confirmRun(selector, by, { journal }, started.at),
      );
      // The window as it is now (confirmed: when and how), the same object as run's and status's.
      const now = (await loadRuns({ journal })).find((r) => r.id === run.id) ?? run;
      out.data({ run: run.id, label: run.label, already, confirmation: confirmationOf(now, Date.now()) ?? null });
      const late = !already && run.confirm && Date.now() > run.confirm.deadline
        ? ` (asked at ${clockTime(started.at)}, before the deadline ${clockTime(run.confirm.deadline)})`
        : "";
      out.result(
        already
          ? `Run ${run.id} (${run.label}) was already confirmed${
            run.confirm?.decidedAt ? ` at ${momentOf(Date.parse(run.confirm.decidedAt), Date.now())}` : ""
          }: it stays.`
          : `Confirmed run ${run.id} (${run.label})${late}: it stays.`,
      );
    });
  } finally {
    await forget();
  }
}

/**
 * Runs `fn`; when it finds no run of the name or id given ({@link NoRunError}), a closed run the journal's archive
 * holds under it is refused as `confirmable` refuses a closed run (it was undone: nothing to confirm).
 * @throws {NoRunError} When the archive holds none either; whatever `fn` or `confirmable` throws.
 */
async function orArchived<T>(
  g: GlobalOptions,
  selector: string | undefined,
  at: number,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (!(e instanceof NoRunError) || selector === undefined) throw e;
    const archived = await archivedRunCalled(g.stateDir, selector);
    if (archived) confirmable([archived], selector, at);
    throw e;
  }
}

/** How often a prompt waiting for confirmation reads the journal (without the lock), in ms. */
export const CONFIRM_POLL_MS = 250;

/** What ended the wait at the prompt. */
type PromptEvent =
  | { kind: "answer"; text: string; at: number }
  | { kind: "interrupt"; signal: StopSignal }
  | { kind: "deadline" }
  | { kind: "journal"; state: ConfirmationState };

/**
 * Reads the journal without the lock every {@link CONFIRM_POLL_MS} until the
 * run's confirmation is no longer pending (confirmed, reverted or expired
 * elsewhere), or `stopped()` says to give up.
 */
async function journalDecides(
  runId: string,
  g: GlobalOptions,
  stopped: () => boolean,
): Promise<PromptEvent | undefined> {
  while (!stopped()) {
    const state = confirmationState(foldRuns(await readJournal(g.stateDir)).runs.find((r) => r.id === runId));
    if (state.kind !== "pending") return { kind: "journal", state };
    await new Promise((r) => setTimeout(r, CONFIRM_POLL_MS));
  }
  return undefined;
}

/**
 * Prompts on the terminal for confirmation until the window closes, following
 * the journal meanwhile (read without the lock, so it never delays a writer):
 *
 * - `yes` records the confirmation; the run stays;
 * - a confirmation recorded by another session (`nsrecipe confirm`) ends the
 *   prompt: the run stays;
 * - an undo recorded by another process (the watchdog, `nsrecipe undo`) ends
 *   the prompt with what the journal says;
 * - any other answer, a stop signal, or the deadline passing undoes the run
 *   at once in this process (the watchdog then finds it closed): Ctrl-C's
 *   SIGINT and a SIGTERM mean "no"; a SIGHUP means the terminal hung up
 *   (an SSH session lost), so nobody is left to answer, and reverting at once
 *   is the safe reading of a window meant for an admin who may have lost the
 *   connection. Stop signals are ignored, each with a line, while that undo
 *   runs, so it cannot be cut short.
 *
 * End of input (a closed terminal) is no answer: the deadline decides.
 * However the prompt ends, the child that reads the answer is killed and
 * reaped before this returns (or throws): none is left to swallow the next
 * line typed into the terminal.
 *
 * @param runId The run.
 * @param deadline The recorded deadline (the `confirm-wait` record's), in ms since the epoch.
 * @param g Global options.
 * @param out The output.
 * @returns `true` when the run was confirmed and stays; `false` when it was undone.
 * @throws {UndoError} When the undo could not complete, or the journal says
 *   the window passed and the run could not be reverted: the change is still
 *   in place (exit code 5).
 */
export async function awaitTtyConfirmation(
  runId: string,
  deadline: number,
  g: GlobalOptions,
  out: Output,
): Promise<boolean> {
  let stopped = false;
  let onInterrupt = (_signal: StopSignal) => {};
  const interrupted = new Promise<PromptEvent>((resolve) =>
    onInterrupt = (signal) => resolve({ kind: "interrupt", signal })
  );
  // Listening before the prompt shows: from the moment it says "Ctrl-C undoes it now", a Ctrl-C must find the
  // listener. Without one a SIGINT, SIGTERM or SIGHUP ends Deno at once (its default action), leaving the change in
  // place for the watchdog's deadline and the answer's reader (below) orphaned, reading the terminal.
  const unlisten = listenStopSignals((signal) => onInterrupt(signal));
  const seconds = Math.max(0, Math.round((deadline - Date.now()) / 1000));
  out.progress(`Keep this change? Type 'yes' within ${seconds} s (anything else, or Ctrl-C, undoes it now): `);
  await testFaultHook(runnerFor(out))("prompt", 0);
  // The answer is read by a child that is killed when the prompt ends any other way: a read of our own
  // stdin could not be cancelled and would swallow the next line typed into the run's shell.
  const reader = processesFor(out).readLine();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const event = await Promise.race([
      // End of input (a closed terminal) is no answer: only the window's end decides then.
      reader.line.then((line): Promise<PromptEvent> | PromptEvent =>
        line === undefined ? new Promise<PromptEvent>(() => {}) : { kind: "answer", text: line, at: Date.now() }
      ),
      interrupted,
      new Promise<PromptEvent>((resolve) => {
        timer = setTimeout(() => resolve({ kind: "deadline" }), Math.max(0, deadline - Date.now()));
      }),
      journalDecides(runId, g, () => stopped).then((e) => e ?? new Promise<PromptEvent>(() => {})),
    ]);
    stopped = true;
    clearTimeout(timer);
    await reader.stop();
    if (event.kind === "answer" && /^\s*yes\s*$/i.test(event.text)) {
      try {
        await confirmCommand(runId, g, out, "tty", event.at);
        return true;
      } catch (e) {
        if (!(e instanceof NsrecipeError)) throw e;
        out.progress(out.paint("red", e.message));
        return false;
      }
    }
    if (event.kind === "journal" && event.state.kind === "reverting") {
      out.progress(out.paint("yellow", `The window closed and run ${runId} is being undone; waiting for it.`));
      return await revertNow(runId, g, out);
    }
    if (event.kind === "journal") return reportJournalDecision(runId, event.state, out);
    const why = event.kind === "deadline"
      ? "No answer in time"
      : event.kind === "interrupt"
      ? `Interrupted (${event.signal}${event.signal === "SIGHUP" ? ", the terminal hung up" : ""}): not confirmed`
      : "Not confirmed";
    const grace = event.kind === "deadline"
      ? ` (a 'nsrecipe confirm' started by the deadline still counts: it has ${
        CONFIRM_STARTUP_GRACE_MS / 1000
      } s to come up)`
      : "";
    out.progress(out.paint("yellow", `${why}: undoing run ${runId} now${grace}.`));
    // No signal may cut the undo short: the commands it runs are in sessions of their own, out of the
    // terminal's reach (src/exec/runner.ts), and this process ignores SIGINT, SIGTERM and SIGHUP, saying so, until
    // the end. Raw mode also turns the terminal's signal keys off (termios(3), ISIG) until the undo is done: a
    // Ctrl-C is then plain input that nobody reads, with no SIGINT and no flush of output not yet shown (without
    // NOFLSH a signal key flushes the terminal's queues).
    const unignore = ignoreStopSignals(`the undo of run ${runId}`, out);
    const raw = setRaw(true);
    try {
      return await revertNow(
        runId,
        g,
        out,
        event.kind === "deadline" ? "deadline" : event.kind === "interrupt" ? "prompt-interrupt" : "prompt-no",
        event.kind === "interrupt" ? event.signal : undefined,
      );
    } finally {
      if (raw) setRaw(false);
      unignore();
    }
  } finally {
    stopped = true;
    clearTimeout(timer);
    await reader.stop();
    unlisten();
  }
}

/**
 * Sets or clears raw mode on the terminal (stdin), unless it is gone: on a
 * hung-up terminal tcsetattr(3) fails (EIO), and nobody is left to press a
 * key anyway.
 * @param on Raw mode on (signal keys off) or off.
 * @returns Whether it was set.
 */
function setRaw(on: boolean): boolean {
  try {
    Deno.stdin.setRaw(on);
    return true;
  } catch {
    return false;
  }
}

/**
 * Says what another process decided, as the journal records it.
 * @returns `true` when the run stays.
 * @throws {UndoError} When the window passed and the run could not be reverted.
 */
function reportJournalDecision(runId: string, state: ConfirmationState, out: Output): boolean {
  switch (state.kind) {
    case "confirmed":
      out.progress(out.paint("green", `Confirmed from another session: run ${runId} stays.`));
      return true;
    case "reverted":
      out.progress(out.paint(
        "yellow",
        `Run ${runId} was ${
          state.state === "undone" ? "undone" : `closed (${state.state})`
        } by another nsrecipe process meanwhile (the watchdog or 'nsrecipe undo'): the change is no longer in place.`,
      ));
      return false;
    case "not-reverted":
    case "reverting":
    case "pending":
    case "none":
      throw new UndoError(
        `Run ${runId}: the confirmation window closed but the run is not reverted`,
        [state.kind === "not-reverted" ? state.why : `journal: ${state.kind}`],
        `See 'nsrecipe status', fix what blocks it, then 'nsrecipe undo ${runId}'.`,
      );
    default: {
      const never: never = state;
      throw new Error(`unknown confirmation state ${JSON.stringify(never)}`);
    }
  }
}

/**
 * Undoes an unconfirmed run now, under the lock, and says truthfully what
 * happened (it may have been confirmed or undone by another process first).
 * @param how Why, as recorded (`confirm-expired`'s `how`).
 * @param signal For `prompt-interrupt`: the signal, as recorded.
 * @returns `true` when the run turned out to be confirmed and stays.
 * @throws {UndoError} When the undo could not complete.
 */
async function revertNow(
  runId: string,
  g: GlobalOptions,
  out: Output,
  how: ConfirmRefusal = "deadline",
  signal?: StopSignal,
): Promise<boolean> {
  // At the deadline the revert waits, like the watchdog's, for a confirm started by then (revertHeldUntil),
  // decided under the lock (a confirm decides under it too: exactly one of them records); an answer at the prompt
  // is acted on at once.
  for (;;) {
    const outcome = await withJournal(g, out, async (journal) => {
      if (how === "deadline") {
        const run = foldRuns(await journal.read()).runs.find((r) => r.id === runId);
        const held = run && revertHeldUntil(run, Date.now(), await liveConfirmIntents(g.stateDir, runnerFor(out)));
        if (held !== undefined) return { held };
      }
      return { result: await expireRun(runId, await engineDeps(journal, runnerFor(out), out), how, signal) };
    });
    const { held, result } = outcome;
    if (held !== undefined) {
      await new Promise((r) => setTimeout(r, Math.max(0, held - Date.now())));
      continue;
    }
    if (result === "kept") {
      out.progress(out.paint("green", `Run ${runId} was confirmed from another session first: it stays.`));
      return true;
    }
    out.progress(
      result === "closed"
        ? `Run ${runId} was already undone by another nsrecipe process (the watchdog or 'nsrecipe undo').`
        : `Run ${runId} was undone: the host is as it was before the run.`,
    );
    return false;
  }
}

/**
 * A confirmation window that expired with nobody to act on it: its watchdog
 * was killed (or never started), or is stopped (SIGSTOP, a cgroup freezer, a
 * debugger: state `T`/`t` in `/proc/PID/stat`, proc(5)) more than
 * {@link STOPPED_GRACE_MS} past the deadline. `status`, which only reads,
 * reports it; the next nsrecipe command that changes things (`run`,
 * `confirm`, `undo`) notices it, ends a stopped watchdog (SIGKILL, the one
 * signal a stopped process acts on at once, signal(7)) and does what the
 * watchdog would have done: undoes the unconfirmed run, or raises the alarm
 * when it cannot. The journal's lock keeps the two from reverting twice: a
 * watchdog stopped while it held the lock releases it as it dies, and the
 * undo resumes from what the journal recorded.
 *
 * @module
 */
import { expiredWindows, unattendedWindows } from "./expired_windows.ts";
export { expiredWindows, STOPPED_GRACE_MS, type Unattended, unattendedWindows } from "./expired_windows.ts";
import { liveConfirmIntents } from "./confirm_intents.ts";
import { NsrecipeError } from "../errors.ts";
import type { Runner } from "../exec/mod.ts";
import { foldRuns, type ParsedJournal, readJournal, type RunView } from "../journal/mod.ts";
import { raiseAlarm } from "./alarm.ts";
import { processState } from "./process_stat.ts";
import { clockTime } from "./clock.ts";
import { engineDeps, type GlobalOptions, withJournal } from "./composition_root.ts";
import type { Output } from "./output.ts";

/**
 * Undoes the runs of {@link expiredWindows} whose watchdog is gone (its PID
 * has exited), newest first, under the lock, saying so; one that cannot be
 * reverted raises the alarm (system log, root terminals) and is left for
 * `nsrecipe undo`. Does nothing with `--dry-run`.
 *
 * @param g Global options.
 * @param out The output.
 * @param run The process seam.
 * @param journal The journal as the caller has just read it (read here when not given).
 * @returns How many runs it acted on (0 without root, or when the journal cannot be opened to act: it says so).
 */
export async function actOnExpiredWindows(
  g: GlobalOptions,
  out: Output,
  run: Runner,
  journal?: ParsedJournal,
): Promise<number> {
  if (g.dryRun) return 0;
  let parsed = journal;
  try {
    parsed ??= await readJournal(g.stateDir);
  } catch (e) {
    if (e instanceof NsrecipeError) return 0; // the command itself reports an unreadable journal
    throw e;
  }
  const now = Date.now();
  const expired = expiredWindows(foldRuns(parsed).runs, now);
  const unattended = await unattendedWindows(run, expired, now);
  const orphaned = expired.filter((r) => unattended.get(r.id) === "gone");
  const stopped = expired.filter((r) => unattended.get(r.id) === "stopped");
  if (orphaned.length === 0 && stopped.length === 0) return 0;
  const names = [...orphaned, ...stopped].map((r) => `${r.id} (${r.label})`).join(", ");
  if (Deno.uid() !== 0) {
    out.progress(out.paint(
      "yellow",
      `The confirmation window of run ${names} expired and its watchdog is gone (or stopped); run nsrecipe as root ` +
        "to revert it.",
    ));
    return 0;
  }
  for (const r of stopped) {
    const { watchdogPid: pid, watchdogStart: start, deadline } = r.confirm!;
    out.progress(out.paint(
      "yellow",
      `The watchdog (pid ${pid}) of run ${r.id} (${r.label}) is stopped, ${
        Math.round((now - deadline) / 1000)
      } s past the deadline ${clockTime(deadline)}: ending it (SIGKILL) so that the run is reverted now.`,
    ));
    // Looked at again just before: the PID must still be that stopped watchdog, not a process given the PID since.
    if (await processState(run, pid, start) === "stopped") {
      await run(["kill", "-KILL", String(pid)], { okCodes: [0, 1] });
    }
  }
  // Oldest first, as expiredWindows gave them (act undoes them newest first).
  const due = expired.filter((r) => orphaned.includes(r) || stopped.includes(r));
  try {
    await act(due, new Set(stopped), g, out, run);
  } catch (e) {
    if (!(e instanceof NsrecipeError)) throw e;
    out.progress(out.paint("red", `Could not act on the expired confirmation window of run ${names}: ${e.message}`));
    return 0;
  }
  return due.length;
}

/** Undoes each orphaned run under the lock, newest first; raises the alarm for one it cannot revert. */
async function act(
  orphaned: RunView[],
  stopped: ReadonlySet<RunView>,
  g: GlobalOptions,
  out: Output,
  run: Runner,
): Promise<void> {
  // The engine only now, with a window to act on: a command that finds none (most) loads none of it.
  const { expireRun, revertHeldUntil } = await import("../engine/mod.ts");
  await withJournal(g, out, async (journal) => {
    const deps = await engineDeps(journal, run, out);
    const intents = await liveConfirmIntents(g.stateDir, run);
    for (const r of orphaned.reverse()) {
      // A confirm started by the deadline that is on its way goes first (revertHeldUntil): left for it.
      const now = foldRuns(await journal.read()).runs.find((x) => x.id === r.id);
      if (now && revertHeldUntil(now, Date.now(), intents) !== undefined) continue;
      const what = `Run ${r.id} (${r.label}) was not confirmed by ${clockTime(r.confirm!.deadline)}`;
      out.progress(
        out.paint(
          "yellow",
          `${what} and its watchdog (pid ${r.confirm!.watchdogPid}) ${
            stopped.has(r) ? "was stopped (ended now)" : "is gone"
          }: undoing it now.`,
        ),
      );
      try {
        const result = await expireRun(r.id, deps);
        out.progress(result === "kept" || result === "closed" ? `Run ${r.id}: ${result}.` : `Run ${r.id} was undone.`);
      } catch (e) {
        if (!(e instanceof NsrecipeError)) throw e;
        await raiseAlarm(
          run,
          `nsrecipe: ${what} and was NOT reverted: ${e.message.replaceAll("\n", " ")}. See 'nsrecipe status'.`,
          (l) => out.progress(out.paint("red", l)),
        );
      }
    }
  });
}

import { confirmRun, expireRun } from "../engine/mod.ts";
import { NsrecipeError } from "../errors.ts";
import { engineDeps, type GlobalOptions, runnerFor, withJournal } from "./context.ts";
import type { Output } from "./output.ts";

/**
 * `nsrecipe confirm [RUN]`: keeps a run that waits for confirmation.
 * @param selector Run id or name; `undefined` for the newest waiting run.
 * @param g Global options.
 * @param out The output.
 * @throws {UsageError} When no run waits for confirmation.
 * @throws {PreconditionError} When it is too late (the run was reverted).
 */
export async function confirmCommand(selector: string | undefined, g: GlobalOptions, out: Output): Promise<void> {
  if (g.dryRun) {
    out.result(`Dry run: would confirm ${selector ?? "the newest run waiting for confirmation"}; nothing recorded.`);
    return;
  }
  await withJournal(g, out, async (journal) => {
    const run = await confirmRun(selector, "command", { journal });
    out.data({ confirmed: run.id, label: run.label });
    out.result(`Confirmed run ${run.id} (${run.label}): it stays.`);
  });
}

/**
 * Prompts on the terminal for confirmation until the window closes. `yes`
 * records the confirmation; any other answer, or none in time, undoes the run
 * at once in this process (the watchdog then finds it closed).
 *
 * @param runId The run.
 * @param seconds The window in seconds.
 * @param g Global options.
 * @param out The output.
 * @returns `true` when the run was confirmed and stays.
 */
export async function awaitTtyConfirmation(
  runId: string,
  seconds: number,
  g: GlobalOptions,
  out: Output,
): Promise<boolean> {
  out.progress(`Keep this change? Type 'yes' within ${seconds} s (anything else undoes it now): `);
  const reader = Deno.stdin.readable.pipeThrough(new TextDecoderStream()).getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const answer = await Promise.race([
    // End of input (a closed terminal) is no answer: only the window's end decides then.
    reader.read().then((r) => (r.done ? new Promise<undefined>(() => {}) : r.value)),
    new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), seconds * 1000))),
  ]);
  clearTimeout(timer);
  reader.releaseLock();
  if (answer !== undefined && /^\s*yes\s*$/i.test(answer)) {
    try {
      await confirmCommand(runId, g, out);
      return true;
    } catch (e) {
      if (!(e instanceof NsrecipeError)) throw e;
      out.progress(out.paint("red", e.message));
      return false;
    }
  }
  out.progress(
    out.paint("yellow", `${answer === undefined ? "No answer in time" : "Not confirmed"}: undoing run ${runId} now.`),
  );
  await withJournal(g, out, async (journal) => {
    const result = await expireRun(runId, await engineDeps(journal, runnerFor(out), out));
    out.progress(result === "closed" ? `Run ${runId} was already undone by the watchdog.` : `Run ${runId} was undone.`);
  });
  return false;
}

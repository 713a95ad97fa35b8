import { confirmRun } from "../engine/mod.ts";
import { foldRuns, isOpen, Journal, JOURNAL_FILE, parseJournal } from "../journal/mod.ts";
import type { GlobalOptions } from "./context.ts";
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
  const journal = await Journal.open(g.stateDir, (l) => out.progress(l));
  try {
    const run = await confirmRun(selector, "command", { journal });
    out.data({ confirmed: run.id, label: run.label });
    out.result(`Confirmed run ${run.id} (${run.label}): it stays.`);
  } finally {
    journal.close();
  }
}

/** How long the foreground waits for the watchdog's revert to show in the journal, in ms. */
const REVERT_WAIT_MS = 60_000;

/**
 * Prompts on the terminal for confirmation until the window closes. On `yes`
 * (or Enter) records the confirmation; otherwise waits (bounded) until the
 * watchdog has reverted the run and reports it.
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
  out.progress(`Keep this change? Type 'yes' (or press Enter) within ${seconds} s: `);
  const reader = Deno.stdin.readable.pipeThrough(new TextDecoderStream()).getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const answer = await Promise.race([
    // End of input (a closed terminal) is no answer: only the window's end decides then.
    reader.read().then((r) => (r.done ? new Promise<undefined>(() => {}) : r.value)),
    new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), seconds * 1000))),
  ]);
  clearTimeout(timer);
  reader.releaseLock();
  if (answer !== undefined && /^\s*(y|yes)?\s*$/i.test(answer)) {
    try {
      await confirmCommand(runId, g, out);
      return true;
    } catch (e) {
      out.progress(out.paint("red", (e as Error).message));
      return false;
    }
  }
  out.progress(out.paint("yellow", `Not confirmed: the watchdog is undoing run ${runId}...`));
  const path = `${g.stateDir}/${JOURNAL_FILE}`;
  const until = Date.now() + REVERT_WAIT_MS;
  while (Date.now() < until) {
    const run = foldRuns(parseJournal(await Deno.readTextFile(path))).runs.find((r) => r.id === runId);
    if (!run || !isOpen(run)) {
      out.progress(`Run ${runId} was undone (${run?.state ?? "gone"}).`);
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  out.progress(out.paint("red", `The watchdog has not finished undoing run ${runId}: check 'nsrecipe status'.`));
  return false;
}

/**
 * How a closed run (undone, rolled back, reverted at its deadline, closed as
 * stale) is named in the messages of the commands that are given one: the
 * words and the time, in one place, for `undo`, `status`, `exec`, `shell`
 * and `confirm`. Pure, and none of the engine's effects: `exec` loads it
 * without the engine.
 *
 * @module
 */
import { momentOf } from "../clock.ts";
import { isOpen, type RunView } from "../journal/mod.ts";
import { quote } from "../quote.ts";

/**
 * How a closed run ended, for a message. A run undone because its
 * confirmation window was not kept says how that window ended (the journal's
 * `confirm-expired` record and its `how`): nobody answered by the deadline,
 * `no` at the prompt, or the prompt interrupted (Ctrl-C, a signal).
 * @param run The run (closed: see `isOpen`).
 * @returns `undone`, `reverted when its confirmation window expired`, `refused at its confirmation prompt and
 *   reverted`, `interrupted at its confirmation prompt and reverted`, `rolled back` or `found stale (it predates a
 *   reboot)`; the journal's state for any other.
 */
export function endedHow(run: RunView): string {
  switch (run.state) {
    case "undone":
      if (run.confirm?.state !== "expired") return "undone";
      if (run.confirm.how === "prompt-no") return "refused at its confirmation prompt and reverted";
      if (run.confirm.how === "prompt-interrupt") return "interrupted at its confirmation prompt and reverted";
      return "reverted when its confirmation window expired";
    case "rolled-back":
      return "rolled back";
    case "stale":
      return "found stale (it predates a reboot)";
    default:
      return run.state;
  }
}

/**
 * The newest closed run that a selector names, for a command given a run
 * that no open run answers to (`selectRuns` found none).
 * @param runs Every run, oldest first.
 * @param selector A run id or name.
 * @returns The newest run with that id or name that is closed, or `undefined` when none is.
 */
export function closedRunCalled(runs: readonly RunView[], selector: string): RunView | undefined {
  return runs.findLast((r) => !isOpen(r) && (r.id === selector || r.label === selector));
}

/**
 * A closed run and how and when it ended, as a sentence's subject and verb.
 * @param run The closed run.
 * @param now The current time, ms since the epoch (a run that ended on another day is given its date).
 * @param start Whether it starts a sentence (`Run …`).
 * @returns e.g. `run '20261129T063300-3f2a' (web) was undone at 14:03:27`, `… was reverted at 14:05:03, its
 *   confirmation window having expired at 14:05:00`; without a recorded end, no time.
 */
export function closedRunPhrase(run: RunView, now: number, start = false): string {
  const when = run.endedAt === undefined ? "" : ` at ${momentOf(Date.parse(run.endedAt), now)}`;
  const subject = `${start ? "Run" : "run"} ${quote(run.id)} (${run.label})`;
  // Reverted at its deadline: the time the window expired is the deadline, and the revert's end comes after it.
  if (run.state === "undone" && run.confirm?.state === "expired" && run.confirm.how === "expired") {
    return `${subject} was reverted${when}, its confirmation window having expired at ${
      momentOf(run.confirm.deadline, now)
    }`;
  }
  return `${subject} was ${endedHow(run)}${when}`;
}

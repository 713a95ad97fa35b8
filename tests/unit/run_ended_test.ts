import assert from "node:assert/strict";
import { closedRunCalled, closedRunPhrase, endedHow } from "../../src/engine/run_ended.ts";
import { foldRuns, type RunView } from "../../src/journal/mod.ts";
import { localDateTime, momentOf } from "../../src/clock.ts";
import { clockTime } from "../../src/cli/clock.ts";
import { parseJournal } from "../support/journal_text.ts";

const BEGUN = "2026-11-29T06:33:00.000Z";
const ENDED = "2026-11-29T06:40:05.000Z";
const STEPS = [{ kind: "netns-add", netns: "web" }];
const rec = (run: string, kind: string, extra: Record<string, unknown> = {}, at = BEGUN) =>
  JSON.stringify({ v: 1, at, kind, run, ...extra });
const begin = (run: string, label: string) =>
  rec(run, "run-begin", { recipe: "netns", label, params: {}, uses: [], steps: STEPS, bootId: "b", pid: 42 });
const applied = (run: string, label: string) => [
  begin(run, label),
  rec(run, "step-intent", { index: 0 }),
  rec(run, "step-done", { index: 0 }),
  rec(run, "run-end", { state: "applied" }),
];
const runsOf = (...lines: string[]): RunView[] => foldRuns(parseJournal(lines.join("\n") + "\n")).runs;
const ended = Date.parse(ENDED);

Deno.test("momentOf: the time of day on the same local day, the date and time on another", () => {
  assert.equal(momentOf(ended, ended + 3600_000), clockTime(ended));
  assert.equal(momentOf(ended, ended + 3 * 86400_000), localDateTime(ended));
  assert.match(localDateTime(ended), /^2026-11-\d\d \d\d:\d\d:05$/);
});

Deno.test("closedRunPhrase: a closed run, how it ended and when (undone, reverted at its deadline, refused or interrupted at its prompt, rolled back, stale)", () => {
  const undone = runsOf(
    ...applied("r1", "web"),
    rec("r1", "step-undone", { index: 0, how: "reverted" }, ENDED),
    rec("r1", "run-end", { state: "undone" }, ENDED),
  )[0];
  assert.equal(closedRunPhrase(undone, ended + 60_000), `run 'r1' (web) was undone at ${clockTime(ended)}`);
  assert.equal(closedRunPhrase(undone, ended + 60_000, true), `Run 'r1' (web) was undone at ${clockTime(ended)}`);
  assert.equal(
    closedRunPhrase(undone, ended + 2 * 86400_000),
    `run 'r1' (web) was undone at ${localDateTime(ended)}`,
    "another day: the date is said",
  );
  const reverted = runsOf(
    ...applied("r2", "lan"),
    rec("r2", "confirm-wait", { deadline: ended - 1000, watchdogPid: 77 }),
    rec("r2", "confirm-expired", {}, ENDED),
    rec("r2", "step-undone", { index: 0, how: "reverted" }, ENDED),
    rec("r2", "run-end", { state: "undone" }, ENDED),
  )[0];
  assert.equal(endedHow(reverted), "reverted when its confirmation window expired");
  assert.equal(
    closedRunPhrase(reverted, ended + 60_000),
    `run 'r2' (lan) was reverted at ${clockTime(ended)}, its confirmation window having expired at ${
      clockTime(ended - 1000)
    }`,
    "the deadline is when the window expired; the revert ended after it",
  );
  for (
    const [how, words] of [
      ["prompt-no", "refused at its confirmation prompt and reverted"],
      ["prompt-interrupt", "interrupted at its confirmation prompt and reverted"],
    ]
  ) {
    const refused = runsOf(
      ...applied("r5", "lan"),
      rec("r5", "confirm-wait", { deadline: ended + 120_000, watchdogPid: 77 }),
      rec("r5", "confirm-expired", { how }, ENDED),
      rec("r5", "step-undone", { index: 0, how: "reverted" }, ENDED),
      rec("r5", "run-end", { state: "undone" }, ENDED),
    )[0];
    assert.equal(endedHow(refused), words, how);
    assert.equal(
      closedRunPhrase(refused, ended + 60_000, true),
      `Run 'r5' (lan) was ${words} at ${clockTime(ended)}`,
      `${how}: before its deadline, and not said to have expired`,
    );
  }
  const rolled = runsOf(begin("r3", "x"), rec("r3", "run-end", { state: "rolled-back" }, ENDED))[0];
  assert.equal(closedRunPhrase(rolled, ended), `run 'r3' (x) was rolled back at ${clockTime(ended)}`);
  const stale = runsOf(...applied("r4", "old"), rec("r4", "run-end", { state: "stale" }, ENDED))[0];
  assert.equal(endedHow(stale), "found stale (it predates a reboot)");
});

Deno.test("closedRunCalled: the newest closed run of that id or name; none while the name is only open or unknown", () => {
  const runs = runsOf(
    ...applied("r1", "web"),
    rec("r1", "run-end", { state: "undone" }, ENDED),
    ...applied("r2", "web"),
    rec("r2", "run-end", { state: "undone" }, ENDED),
    ...applied("r3", "db"),
  );
  assert.equal(closedRunCalled(runs, "web")?.id, "r2");
  assert.equal(closedRunCalled(runs, "r1")?.id, "r1");
  assert.equal(closedRunCalled(runs, "db"), undefined, "open");
  assert.equal(closedRunCalled(runs, "nosuch"), undefined);
});

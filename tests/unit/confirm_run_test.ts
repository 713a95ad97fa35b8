import assert from "node:assert/strict";
import { confirmable, confirmRun, RECENT_WINDOW_MS } from "../../src/engine/mod.ts";
import { foldRuns } from "../../src/journal/mod.ts";
import { clockTime, localDateTime } from "../../src/clock.ts";

/** The runs of a list of records, as the journal folds them. */
const foldRunsOf = (records: JournalRecord[]) =>
  foldRuns({ records, lines: records.map((_, i) => i + 1), problems: [] }).runs;

/** A journal time as messages show it: local HH:MM:SS. */
// The fixtures' moments lie on other days than the one the tests run on (2100, or before this was written): dated.
const at = (iso: string) => localDateTime(Date.parse(iso));
import { EXIT, NsrecipeError } from "../../src/errors.ts";
import type { Journal, JournalRecord, RecordBody } from "../../src/journal/mod.ts";
import type { Step } from "../../src/steps/mod.ts";

const STEP: Step = { kind: "sysctl-set", key: "x.a", value: "1" };
const FAR = Date.parse("2100-01-01T00:00:00Z");

/** A journal kept in memory; `at` is the time each record was written. */
function memoryJournal(records: JournalRecord[]) {
  return {
    path: "/run/nsrecipe/journal.jsonl",
    append(body: RecordBody): Promise<void> {
      records.push({ v: 1, at: "2026-11-30T22:00:00.000Z", ...body } as JournalRecord);
      return Promise.resolve();
    },
    read() {
      return Promise.resolve({ records, lines: records.map((_, i) => i + 1), problems: [] });
    },
  } as unknown as Journal;
}

/** The records of run `run` (label `label`), applied, then whatever `more` says, each at `at`. */
function run(id: string, label: string, more: RecordBody[], at = "2026-11-30T21:00:00.000Z"): JournalRecord[] {
  const bodies: RecordBody[] = [
    {
      kind: "run-begin",
      run: id,
      recipe: "netns",
      label,
      params: {},
      uses: [],
      steps: [STEP],
      bootId: "b",
      pid: 1,
    },
    { kind: "step-intent", run: id, index: 0 },
    { kind: "step-done", run: id, index: 0 },
    { kind: "run-end", run: id, state: "applied" },
    ...more,
  ];
  return bodies.map((b) => ({ v: 1, at, ...b }) as JournalRecord);
}

async function refusal(p: Promise<unknown>): Promise<NsrecipeError> {
  const e = await p.then(() => undefined, (e) => e);
  assert.ok(e instanceof NsrecipeError, `expected a refusal, got ${e}`);
  return e;
}

Deno.test("confirmRun refuses a run that was undone after it was confirmed, saying when (exit 3)", async () => {
  const records = [
    ...run("r1", "x", [{ kind: "confirm-wait", run: "r1", deadline: FAR, watchdogPid: 9 }, {
      kind: "run-confirmed",
      run: "r1",
      by: "command",
    }]),
    { v: 1, at: "2026-11-30T21:07:30.000Z", kind: "step-undone", run: "r1", index: 0, how: "reverted" },
    { v: 1, at: "2026-11-30T21:07:31.000Z", kind: "run-end", run: "r1", state: "undone" },
  ] as JournalRecord[];
  for (const selector of [undefined, "x", "r1"]) {
    const before = records.length;
    // Asked a minute after the undo (without a name, a window closed long ago is not what confirm answers about: M6).
    const asked = Date.parse("2026-11-30T21:08:31.000Z");
    const e = await refusal(confirmRun(selector, "command", { journal: memoryJournal(records) }, asked));
    assert.equal(e.exitCode, EXIT.precondition);
    // Asked the same day: the time of day alone.
    const undone = clockTime(Date.parse("2026-11-30T21:07:31.000Z"));
    assert.ok(e.message.startsWith(`Run 'r1' (x) was undone at ${undone}: nothing to confirm`), e.message);
    assert.equal(records.length, before, "nothing recorded");
  }
});

Deno.test("confirmRun refuses a run whose window expired and that was reverted (exit 3)", async () => {
  const records = [
    ...run("r2", "y", [{ kind: "confirm-wait", run: "r2", deadline: FAR, watchdogPid: 9 }, {
      kind: "confirm-expired",
      run: "r2",
    }]),
    { v: 1, at: "2026-11-30T21:08:00.000Z", kind: "step-undone", run: "r2", index: 0, how: "reverted" },
    { v: 1, at: "2026-11-30T21:08:01.000Z", kind: "run-end", run: "r2", state: "undone" },
  ] as JournalRecord[];
  const e = await refusal(confirmRun("y", "command", { journal: memoryJournal(records) }));
  assert.equal(e.exitCode, EXIT.precondition);
  assert.ok(e.message.includes(`has been reverted (journal: undone), at ${at("2026-11-30T21:08:01.000Z")}: nothing`));
  assert.ok(e.message.includes(`was not confirmed by ${localDateTime(FAR)} and`), e.message);
  assert.doesNotMatch(e.message, /\d{4}-\d\d-\d\dT|\.\d{3}Z/, "no UTC ISO time with milliseconds");
});

Deno.test("confirmRun refuses a rolled-back run that had a window (exit 3)", async () => {
  const records = [
    ...run("r5", "w", [{ kind: "confirm-wait", run: "r5", deadline: FAR, watchdogPid: 9 }]),
    { v: 1, at: "2026-11-30T21:09:00.000Z", kind: "run-end", run: "r5", state: "rolled-back" },
  ] as JournalRecord[];
  const e = await refusal(confirmRun("r5", "command", { journal: memoryJournal(records) }));
  assert.equal(e.exitCode, EXIT.precondition);
  assert.ok(
    e.message.startsWith(`Run 'r5' (w) was rolled back at ${at("2026-11-30T21:09:00.000Z")}: nothing to confirm`),
  );
});

Deno.test("confirmRun refuses an undone run that had no window as closed (exit 3), not as one that stays", async () => {
  const records = [
    ...run("r6", "v", []),
    { v: 1, at: "2026-11-30T21:09:00.000Z", kind: "run-end", run: "r6", state: "undone" },
  ] as JournalRecord[];
  const e = await refusal(confirmRun("v", "command", { journal: memoryJournal(records) }));
  assert.equal(e.exitCode, EXIT.precondition);
  assert.ok(e.message.startsWith(`Run 'r6' (v) was undone at ${at("2026-11-30T21:09:00.000Z")}: nothing to confirm`));
  assert.equal(e.hint, "Check 'nsrecipe status', then run the recipe again to have it back.");
});

Deno.test("confirmRun names a run applied without a window: nothing to confirm (exit 2)", async () => {
  const records = run("r3", "web", []);
  const e = await refusal(confirmRun("web", "command", { journal: memoryJournal(records) }));
  assert.equal(e.exitCode, EXIT.usage);
  assert.match(e.message, /^Run 'r3' \(web\) was applied without a confirmation window: nothing to confirm/);
  assert.equal(records.length, 4);
});

Deno.test("confirmRun twice: the second records nothing and says when the first was", async () => {
  const records = run("r4", "z", [{ kind: "confirm-wait", run: "r4", deadline: FAR, watchdogPid: 9 }]);
  const first = await confirmRun("z", "command", { journal: memoryJournal(records) });
  assert.equal(first.already, false);
  assert.equal(records.at(-1)?.kind, "run-confirmed");
  const count = records.length;
  const second = await confirmRun("z", "command", { journal: memoryJournal(records) });
  assert.equal(second.already, true);
  assert.equal(second.run.confirm?.decidedAt, "2026-11-30T22:00:00.000Z");
  assert.equal(records.length, count, "the second confirm records nothing");
});

Deno.test("confirmable (confirm --dry-run) chooses and refuses exactly as confirmRun, and records nothing", async () => {
  const journals: JournalRecord[][] = [
    // N29: the only window expired and was reverted.
    [
      ...run("r6", "fm", [{ kind: "confirm-wait", run: "r6", deadline: FAR, watchdogPid: 9 }, {
        kind: "confirm-expired",
        run: "r6",
      }]),
      { v: 1, at: "2026-11-30T21:08:01.000Z", kind: "run-end", run: "r6", state: "undone" },
    ] as JournalRecord[],
    run("r7", "web", []),
    [],
    run("r8", "ok", [{ kind: "confirm-wait", run: "r8", deadline: FAR, watchdogPid: 9 }]),
  ];
  for (const records of journals) {
    for (const selector of [undefined, "fm", "web", "ok", "nosuch"]) {
      const runs = foldRunsOf(records);
      const dry = (() => {
        try {
          const { run, already } = confirmable(runs, selector);
          return `${run.id} ${already}`;
        } catch (e) {
          return e instanceof NsrecipeError ? `${e.exitCode} ${e.message}` : `bug ${e}`;
        }
      })();
      const copy = [...records];
      const real = await confirmRun(selector, "command", { journal: memoryJournal(copy) }).then(
        ({ run, already }) => `${run.id} ${already}`,
        (e) => e instanceof NsrecipeError ? `${e.exitCode} ${e.message}` : `bug ${e}`,
      );
      assert.equal(dry, real, `${selector} over ${records.length} records`);
      assert.doesNotMatch(dry, /^bug/);
    }
  }
  const runs = foldRunsOf(journals[0]);
  const ended = Date.parse("2026-11-30T21:08:01.000Z");
  assert.throws(
    () => confirmable(runs, undefined, ended + 60_000),
    (e) => e instanceof NsrecipeError && /^Too late/.test(e.message),
  );
  assert.equal(confirmable(foldRunsOf(journals[3]), undefined).run.id, "r8");
});

Deno.test("confirm without a name, after an old window was reverted and other runs were made since: no run waits (exit 2), naming that window; by name it is 'Too late' (newcomer P13)", () => {
  const records = [
    ...run("r6", "fm", [{ kind: "confirm-wait", run: "r6", deadline: FAR, watchdogPid: 9 }, {
      kind: "confirm-expired",
      run: "r6",
    }]),
    { v: 1, at: "2026-11-30T21:08:01.000Z", kind: "run-end", run: "r6", state: "undone" },
    ...run("r9", "web", []),
  ] as JournalRecord[];
  const runs = foldRunsOf(records);
  assert.throws(
    () => confirmable(runs, undefined),
    (e) =>
      e instanceof NsrecipeError && e.exitCode === EXIT.usage &&
      e.message ===
        `No run waits for confirmation (the last window was run 'r6' (fm)'s, due ${
          localDateTime(FAR)
        }; that run was reverted when its confirmation window expired)`,
  );
  assert.throws(
    () => confirmable(runs, "fm"),
    (e) => e instanceof NsrecipeError && e.exitCode === EXIT.precondition && /^Too late/.test(e.message),
  );
});

Deno.test("H13: the deadline is judged against when confirm was asked, not when it got the lock; the time is recorded", async () => {
  const deadline = Date.parse("2026-11-30T21:05:00.000Z");
  const waiting = () => run("r9", "fm", [{ kind: "confirm-wait", run: "r9", deadline, watchdogPid: 9 }]);
  // Started 1 s before the deadline, given the lock 2 s after it: confirmed, with the time it was asked.
  const records = waiting();
  const ok = await confirmRun(undefined, "command", { journal: memoryJournal(records) }, deadline - 1000);
  assert.equal(ok.run.id, "r9");
  assert.equal(ok.already, false);
  assert.deepEqual(records.at(-1), {
    v: 1,
    at: "2026-11-30T22:00:00.000Z",
    kind: "run-confirmed",
    run: "r9",
    by: "command",
    invokedAt: deadline - 1000,
  });
  // Started at the deadline itself: still in time.
  assert.equal(confirmable(foldRunsOf(waiting()), "fm", deadline).run.id, "r9");
  // Started 1 ms after it: too late, saying when it was started.
  const late = await refusal(confirmRun("fm", "command", { journal: memoryJournal(waiting()) }, deadline + 1));
  assert.equal(late.exitCode, EXIT.precondition);
  assert.match(
    late.message,
    new RegExp(`^Too late: .* \\(this confirm was started at ${clockTime(deadline + 1)}, after it\\)`),
  );
  // Started in time, but the revert had begun before it came up (the start-up grace passed): too late, said so.
  const begun = [...waiting(), {
    v: 1,
    at: "2026-11-30T21:05:06.000Z",
    kind: "confirm-expired",
    run: "r9",
  }] as JournalRecord[];
  const after = await refusal(confirmRun("fm", "command", { journal: memoryJournal(begun) }, deadline - 1000));
  assert.match(after.message, /but came up only after the revert had begun/);
});

Deno.test("M6: confirm without a name, the only window closed long ago (no run since): no run waits (exit 2), naming it; just after it closed: 'Too late' (exit 3)", () => {
  const records = [
    ...run("r6", "fm", [{ kind: "confirm-wait", run: "r6", deadline: FAR, watchdogPid: 9 }, {
      kind: "confirm-expired",
      run: "r6",
    }]),
    { v: 1, at: "2026-11-30T21:08:01.000Z", kind: "run-end", run: "r6", state: "undone" },
  ] as JournalRecord[];
  const runs = foldRunsOf(records);
  const ended = Date.parse("2026-11-30T21:08:01.000Z");
  for (const later of [RECENT_WINDOW_MS, 3 * 3600_000]) {
    assert.throws(
      () => confirmable(runs, undefined, ended + later),
      (e) =>
        e instanceof NsrecipeError && e.exitCode === EXIT.usage &&
        e.message ===
          `No run waits for confirmation (the last window was run 'r6' (fm)'s, due ${
            localDateTime(FAR)
          }; that run was reverted when its confirmation window expired)`,
    );
  }
  assert.throws(
    () => confirmable(runs, undefined, ended + RECENT_WINDOW_MS - 1),
    (e) =>
      e instanceof NsrecipeError && e.exitCode === EXIT.precondition &&
      // Minutes after it ended: the revert on the same day as a time of day, the deadline of another day dated.
      e.message ===
        `Too late: run 'r6' (fm) was not confirmed by ${localDateTime(FAR)} and has been reverted (journal: undone), ` +
          `at ${clockTime(ended)}: nothing to confirm`,
  );
  // By name it is always about that run.
  assert.throws(
    () => confirmable(runs, "fm", ended + 3 * 3600_000),
    (e) => e instanceof NsrecipeError && e.exitCode === EXIT.precondition && /^Too late/.test(e.message),
  );
});

Deno.test("confirm of a run refused or interrupted at its prompt: not 'Too late' (its deadline had not passed), but how and when it ended (exit 3); without a name, hours on, the same words", () => {
  for (
    const [how, words] of [
      ["prompt-no", "refused at its confirmation prompt and reverted"],
      ["prompt-interrupt", "interrupted at its confirmation prompt and reverted"],
    ] as const
  ) {
    const records = [
      ...run("r6", "fm", [{ kind: "confirm-wait", run: "r6", deadline: FAR, watchdogPid: 9 }, {
        kind: "confirm-expired",
        run: "r6",
        how,
      }]),
      { v: 1, at: "2026-11-30T21:08:01.000Z", kind: "run-end", run: "r6", state: "undone" },
    ] as JournalRecord[];
    const runs = foldRunsOf(records);
    assert.throws(
      () => confirmable(runs, "fm"),
      (e) =>
        e instanceof NsrecipeError && e.exitCode === EXIT.precondition &&
        e.message ===
          `Run 'r6' (fm) was ${words} at ${
            at("2026-11-30T21:08:01.000Z")
          }: nothing to confirm, the change is no longer in place`,
    );
    assert.throws(
      () => confirmable(runs, undefined, Date.parse("2026-11-30T21:08:01.000Z") + 3 * 3600_000),
      (e) =>
        e instanceof NsrecipeError && e.exitCode === EXIT.usage &&
        e.message ===
          `No run waits for confirmation (the last window was run 'r6' (fm)'s, due ${
            localDateTime(FAR)
          }; that run was ${words})`,
    );
  }
});

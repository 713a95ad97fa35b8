import assert from "node:assert/strict";
import { CONFIRM_STARTUP_GRACE_MS, confirmationState } from "../../src/engine/mod.ts";
import { foldRuns, type RunView } from "../../src/journal/mod.ts";
import { parseJournal } from "../support/journal_text.ts";
import { confirmationOf } from "../../src/cli/status.ts";
import { confirmationNote, stateOf } from "../../src/cli/status_view.ts";
import { clockTime, localDateTime } from "../../src/cli/clock.ts";

const AT = "2026-11-29T06:33:00.000Z";
const DEADLINE = Date.parse("2026-11-29T06:35:00.000Z");
const STEPS = [{ kind: "netns-add", netns: "web" }, { kind: "link-set-up", dev: "lo", netns: "web" }];
const rec = (kind: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ v: 1, at: AT, kind, run: "r1", ...extra });
const APPLIED = [
  rec("run-begin", { recipe: "netns", label: "web", params: {}, uses: [], steps: STEPS, bootId: "b", pid: 42 }),
  rec("step-intent", { index: 0 }),
  rec("step-done", { index: 0 }),
  rec("step-intent", { index: 1 }),
  rec("step-done", { index: 1 }),
  rec("run-end", { state: "applied" }),
  rec("confirm-wait", { deadline: DEADLINE, watchdogPid: 77 }),
];
const run = (...more: string[]): RunView => foldRuns(parseJournal([...APPLIED, ...more].join("\n") + "\n")).runs[0];

Deno.test("confirmationState: pending, confirmed, reverting, reverted, not reverted (with why), none", () => {
  assert.deepEqual(confirmationState(run()), { kind: "pending", deadline: DEADLINE });
  assert.deepEqual(confirmationState(run(rec("run-confirmed", { by: "command" }))), { kind: "confirmed" });
  assert.deepEqual(confirmationState(run(rec("confirm-expired"))), { kind: "reverting", deadline: DEADLINE });
  assert.deepEqual(
    confirmationState(run(
      rec("confirm-expired"),
      rec("step-undone", { index: 1, how: "reverted" }),
      rec("step-undone", { index: 0, how: "reverted" }),
      rec("run-end", { state: "undone" }),
    )),
    { kind: "reverted", state: "undone" },
  );
  assert.deepEqual(
    confirmationState(run(
      rec("confirm-expired"),
      rec("step-undo-failed", { index: 1, error: "RTNETLINK answers: Operation not permitted" }),
      rec("run-end", { state: "incomplete" }),
    )),
    {
      kind: "not-reverted",
      deadline: DEADLINE,
      why: "bring link 'lo' up in 'web': RTNETLINK answers: Operation not permitted",
    },
  );
  assert.deepEqual(confirmationState(undefined), { kind: "none" });
  assert.deepEqual(confirmationState(foldRuns(parseJournal(APPLIED.slice(0, 6).join("\n") + "\n")).runs[0]), {
    kind: "none",
  });
});

Deno.test("status: a pending window shows 'waiting for confirmation, reverts at HH:MM:SS (in N s)'", () => {
  const c = confirmationOf(run(), DEADLINE - 95_000 + 1)!;
  assert.deepEqual(c, {
    state: "waiting",
    deadline: "2026-11-29T06:35:00.000Z",
    inSeconds: 95,
  });
  assert.equal(stateOf({ state: "applied", stale: false, drift: [], confirmation: c }), "waiting for confirmation");
  assert.equal(
    confirmationNote("web", c, DEADLINE),
    `waiting for confirmation, reverts at ${clockTime(DEADLINE)} (in 95 s); 'nsrecipe confirm web' keeps it`,
  );
});

Deno.test("status: a deadline passed while the watchdog is at work is 'confirmation expired, reverting', saying who reverts it and when, never 'NOT reverted'", () => {
  // The hold after the deadline: the watchdog waits CONFIRM_STARTUP_GRACE_MS for a confirm started by the deadline.
  for (const watchdog of ["at work", undefined] as const) {
    const held = confirmationOf(run(), DEADLINE + 1, watchdog)!;
    assert.deepEqual(held, {
      state: "reverting",
      deadline: "2026-11-29T06:35:00.000Z",
      inSeconds: 0,
      why: `its watchdog (pid 77) reverts it at ${
        clockTime(DEADLINE + CONFIRM_STARTUP_GRACE_MS)
      } (held until then for a 'nsrecipe confirm' started by the deadline, longer while one is on its way)`,
    });
    assert.equal(
      stateOf({ state: "applied", stale: false, drift: [], confirmation: held }),
      "confirmation expired, reverting",
    );
    assert.equal(
      confirmationNote("web", held, DEADLINE),
      `confirmation expired at ${clockTime(DEADLINE)}, reverting: ${held.why}`,
    );
  }
  // Past the hold, the watchdog alive: at work (the lock, a confirm on its way, a record the journal could not take).
  const late = confirmationOf(run(), DEADLINE + CONFIRM_STARTUP_GRACE_MS + 1, "at work")!;
  assert.equal(late.state, "reverting");
  assert.equal(
    late.why,
    "its watchdog (pid 77) is at work on it (waiting for the lock or for a 'nsrecipe confirm' started by the " +
      "deadline, or recording a revert the journal could not take yet); 'nsrecipe undo web' reverts it now",
  );
  // The revert recorded and under way, the watchdog alive: reverting, with how far it got; not 'interrupted'.
  const going = confirmationOf(
    run(rec("confirm-expired"), rec("step-undone", { index: 1, how: "reverted" })),
    DEADLINE + 1,
    "at work",
  )!;
  assert.deepEqual(going, {
    state: "reverting",
    deadline: "2026-11-29T06:35:00.000Z",
    inSeconds: 0,
    why: "the revert is under way, 1 of 2 steps undone so far; its watchdog (pid 77) is alive to see it through",
  });
  assert.equal(
    stateOf({ state: "applied", stale: false, drift: [], confirmation: going }),
    "confirmation expired, reverting",
  );
});

Deno.test("status: a deadline passed with no watchdog at work (gone, or stopped past its grace), or a revert that failed, is 'confirmation expired, NOT reverted' and says why", () => {
  // Gone within the hold too: nothing will revert it when the hold ends.
  for (const now of [DEADLINE + 1, DEADLINE + CONFIRM_STARTUP_GRACE_MS + 1]) {
    const gone = confirmationOf(run(), now, "gone")!;
    assert.equal(gone.state, "expired");
    assert.equal(gone.inSeconds, 0);
    assert.equal(
      gone.why,
      "its watchdog (pid 77) is gone, so nothing reverts it: 'nsrecipe undo web' does, as does the next " +
        "'nsrecipe run', 'confirm' or 'undo'",
    );
    assert.equal(
      stateOf({ state: "applied", stale: false, drift: [], confirmation: gone }),
      "confirmation expired, NOT reverted",
    );
    assert.equal(
      confirmationNote("web", gone, DEADLINE),
      `confirmation expired at ${clockTime(DEADLINE)}, NOT reverted: ${gone.why}`,
    );
  }
  assert.equal(
    confirmationOf(run(), DEADLINE + 20_000, "stopped")!.why,
    "its watchdog (pid 77) is stopped (SIGSTOP), so nothing reverts it: 'nsrecipe undo web' does (ending the " +
      "watchdog), as does the next 'nsrecipe run', 'confirm' or 'undo'",
  );
  const failed = confirmationOf(
    run(
      rec("confirm-expired"),
      rec("step-undo-failed", { index: 1, error: "boom" }),
      rec("run-end", { state: "incomplete" }),
    ),
    DEADLINE + 1,
    "at work",
  )!;
  assert.equal(
    stateOf({ state: "incomplete", stale: false, drift: [], confirmation: failed }),
    "confirmation expired, NOT reverted",
  );
  assert.equal(
    confirmationNote("web", failed, DEADLINE),
    `confirmation expired at ${clockTime(DEADLINE)}, NOT reverted: bring link 'lo' up in 'web': boom`,
  );
});

Deno.test("status (P25): a confirmed run keeps its confirmation, with the deadline it had, when (ISO) and how; the note says the time of day", () => {
  const AT_CONFIRM = "2026-11-29T06:34:10.000Z";
  const confirmed = (by: string) => run(JSON.stringify({ v: 1, at: AT_CONFIRM, kind: "run-confirmed", run: "r1", by }));
  for (
    const [by, how, words] of [["tty", "prompt-yes", "yes typed at the prompt"], [
      "command",
      "command",
      "nsrecipe confirm",
    ]]
  ) {
    const c = confirmationOf(confirmed(by), DEADLINE + 1)!;
    assert.deepEqual(c, {
      state: "confirmed",
      deadline: "2026-11-29T06:35:00.000Z",
      inSeconds: null,
      at: AT_CONFIRM,
      how,
    });
    assert.equal(stateOf({ state: "applied", stale: false, drift: [], confirmation: c }), "applied");
    assert.equal(confirmationNote("web", c, DEADLINE), `confirmed at ${clockTime(Date.parse(AT_CONFIRM))} (${words})`);
  }
  // A window that ended in a revert has none: the run is closed.
  assert.equal(
    confirmationOf(run(rec("confirm-expired"), rec("run-end", { state: "undone" })), DEADLINE + 1),
    undefined,
  );
});

Deno.test("status (M7): a revert cut short (watchdog killed) is 'interrupted, partly reverted', counting the steps undone, not 'applied' nor 'NOT reverted'", () => {
  const partly = confirmationOf(
    run(rec("confirm-expired"), rec("step-undone", { index: 1, how: "reverted" })),
    DEADLINE + 1,
    "gone",
  )!;
  assert.equal(partly.state, "interrupted");
  assert.equal(partly.undone, 1);
  assert.equal(partly.done, 2);
  assert.equal(
    stateOf({ state: "applied", stale: false, drift: [], confirmation: partly }),
    "interrupted, partly reverted",
  );
  assert.equal(
    confirmationNote("web", partly, DEADLINE),
    `confirmation expired at ${clockTime(DEADLINE)}, revert interrupted: the revert began and stopped after ` +
      "undoing 1 of 2 steps (the watchdog was stopped); 'nsrecipe undo web' completes it",
  );
  // Killed right after recording the expiry, before the first step: nothing undone yet.
  const none = confirmationOf(run(rec("confirm-expired")), DEADLINE + 1, "stopped")!;
  assert.equal(none.state, "interrupted");
  assert.equal(none.undone, 0);
  assert.equal(stateOf({ state: "applied", stale: false, drift: [], confirmation: none }), "interrupted, not reverted");
  assert.match(none.why!, /stopped after undoing 0 of 2 steps/);
});

Deno.test("status: a deadline or a confirmation on another day than today is given with its date, not a bare time of day", () => {
  const days = 3 * 86_400_000;
  const expired = confirmationOf(run(rec("confirm-expired")), DEADLINE + 1, "stopped")!;
  assert.equal(
    confirmationNote("web", expired, DEADLINE + days),
    `confirmation expired at ${localDateTime(DEADLINE)}, revert interrupted: ${expired.why}`,
  );
  assert.match(localDateTime(DEADLINE), /^2026-11-(28|29|30) \d\d:\d\d:\d\d$/);
  const confirmed = confirmationOf(run(rec("run-confirmed", { by: "command" })), DEADLINE + 1)!;
  assert.match(confirmationNote("web", confirmed, DEADLINE + days), /^confirmed at 2026-11-\d\d \d\d:\d\d:\d\d \(/);
  assert.match(confirmationNote("web", confirmed, DEADLINE), /^confirmed at \d\d:\d\d:\d\d \(/);
});

import assert from "node:assert/strict";
import { CONFIRM_STARTUP_GRACE_MS, confirmationState } from "../../src/engine/mod.ts";
import { foldRuns, type RunView } from "../../src/journal/mod.ts";
import { parseJournal } from "../support/journal_text.ts";
import { confirmationOf } from "../../src/cli/status.ts";
import { confirmationNote, stateOf } from "../../src/cli/status_view.ts";
import { clockTime } from "../../src/cli/clock.ts";

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
    confirmationNote("web", c),
    `waiting for confirmation, reverts at ${clockTime(DEADLINE)} (in 95 s); 'nsrecipe confirm web' keeps it`,
  );
});

Deno.test("status: a deadline passed with the run still applied is 'confirmation expired, NOT reverted' and says why", () => {
  const silent = confirmationOf(run(), DEADLINE + CONFIRM_STARTUP_GRACE_MS + 1)!;
  assert.equal(silent.state, "expired");
  assert.equal(silent.inSeconds, 0);
  assert.match(silent.why!, /the watchdog \(pid 77\) is still at work on it/);
  // H13: within the start-up grace, the revert waits for a confirm started by the deadline; said so.
  assert.equal(
    confirmationOf(run(), DEADLINE + 1)!.why,
    `the revert waits until ${
      clockTime(DEADLINE + CONFIRM_STARTUP_GRACE_MS)
    } for a 'nsrecipe confirm' started by the deadline (its start-up), then as long as one is on its way`,
  );
  const failed = confirmationOf(
    run(
      rec("confirm-expired"),
      rec("step-undo-failed", { index: 1, error: "boom" }),
      rec("run-end", { state: "incomplete" }),
    ),
    DEADLINE + 1,
  )!;
  assert.equal(
    stateOf({ state: "incomplete", stale: false, drift: [], confirmation: failed }),
    "confirmation expired, NOT reverted",
  );
  assert.equal(
    confirmationNote("web", failed),
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
    assert.equal(confirmationNote("web", c), `confirmed at ${clockTime(Date.parse(AT_CONFIRM))} (${words})`);
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
  )!;
  assert.equal(partly.state, "interrupted");
  assert.equal(partly.undone, 1);
  assert.equal(partly.done, 2);
  assert.equal(
    stateOf({ state: "applied", stale: false, drift: [], confirmation: partly }),
    "interrupted, partly reverted",
  );
  assert.equal(
    confirmationNote("web", partly),
    `confirmation expired at ${clockTime(DEADLINE)}, revert interrupted: the revert began and stopped after ` +
      "undoing 1 of 2 steps (the watchdog was stopped); 'nsrecipe undo web' completes it",
  );
  // Killed right after recording the expiry, before the first step: nothing undone yet.
  const none = confirmationOf(run(rec("confirm-expired")), DEADLINE + 1)!;
  assert.equal(none.state, "interrupted");
  assert.equal(none.undone, 0);
  assert.equal(stateOf({ state: "applied", stale: false, drift: [], confirmation: none }), "interrupted, not reverted");
  assert.match(none.why!, /stopped after undoing 0 of 2 steps/);
});

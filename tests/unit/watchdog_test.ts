import assert from "node:assert/strict";
import {
  CONFIRM_INTENT_HOLD_MS,
  CONFIRM_INTENT_POLL_MS,
  CONFIRM_STARTUP_GRACE_MS,
  DeferringJournal,
  revertHeldUntil,
  watchdogDecision,
  writeDeferred,
} from "../../src/engine/mod.ts";
import { foldRuns, type Journal, JournalWriteError, type RecordBody } from "../../src/journal/mod.ts";
import { parseJournal } from "../support/journal_text.ts";
import { watchdogLaunchArgv } from "../../src/cli/watchdog_launch.ts";
import { alarmArgv } from "../../src/cli/alarm.ts";
import { expiredWindows } from "../../src/cli/expired.ts";
import { processes, type Spawn } from "../../src/exec/mod.ts";

const AT = "2026-11-29T06:33:00.000Z";
const DEADLINE = Date.parse("2026-11-29T06:35:00.000Z");
const STEPS = [{ kind: "netns-add", netns: "web" }];
const rec = (kind: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ v: 1, at: AT, kind, run: "r1", ...extra });
const BEGIN = rec("run-begin", {
  recipe: "netns",
  label: "web",
  params: {},
  uses: [],
  steps: STEPS,
  bootId: "b",
  pid: 9,
});
const APPLIED = [
  BEGIN,
  rec("step-intent", { index: 0 }),
  rec("step-done", { index: 0 }),
  rec("run-end", { state: "applied" }),
];
const WAIT = rec("confirm-wait", { deadline: DEADLINE, watchdogPid: 77 });
const view = (...l: string[]) => foldRuns(parseJournal(l.join("\n") + "\n")).runs[0];

Deno.test("watchdogDecision: waits for the announced deadline, however long the switch took", () => {
  // The switch is under way (or applied, the window about to be recorded): no revert without the lock.
  assert.deepEqual(watchdogDecision(view(BEGIN, rec("step-intent", { index: 0 })), DEADLINE + 60_000, false), {
    kind: "settle",
  });
  assert.deepEqual(watchdogDecision(view(...APPLIED), DEADLINE + 60_000, false), { kind: "settle" });
  // Under the lock a run without a recorded window was cut short: revert.
  assert.deepEqual(watchdogDecision(view(BEGIN, rec("step-intent", { index: 0 })), DEADLINE, true), { kind: "revert" });
  assert.deepEqual(watchdogDecision(view(...APPLIED, WAIT), DEADLINE - 1, true), { kind: "wait", until: DEADLINE });
  // H13: past the deadline, a few seconds for a confirm started by it to come up, then the revert.
  assert.deepEqual(watchdogDecision(view(...APPLIED, WAIT), DEADLINE, false), {
    kind: "wait",
    until: DEADLINE + CONFIRM_STARTUP_GRACE_MS,
  });
  assert.deepEqual(watchdogDecision(view(...APPLIED, WAIT), DEADLINE + CONFIRM_STARTUP_GRACE_MS, false), {
    kind: "revert",
  });
});

Deno.test("H13: a live confirm started by the deadline holds the revert back, at most CONFIRM_INTENT_HOLD_MS; one started after it does not", () => {
  const past = DEADLINE + CONFIRM_STARTUP_GRACE_MS + 1000;
  const byDeadline = [{ pid: 5, invokedAt: DEADLINE }];
  const late = [{ pid: 6, invokedAt: DEADLINE + 1 }];
  assert.deepEqual(watchdogDecision(view(...APPLIED, WAIT), past, true, byDeadline), {
    kind: "wait",
    until: past + CONFIRM_INTENT_POLL_MS,
  });
  assert.deepEqual(watchdogDecision(view(...APPLIED, WAIT), past, true, late), { kind: "revert" });
  assert.deepEqual(watchdogDecision(view(...APPLIED, WAIT), DEADLINE + CONFIRM_INTENT_HOLD_MS, true, byDeadline), {
    kind: "revert",
  });
  assert.equal(
    revertHeldUntil(view(...APPLIED, WAIT), DEADLINE + CONFIRM_INTENT_HOLD_MS - 100, byDeadline),
    DEADLINE + CONFIRM_INTENT_HOLD_MS,
  );
  // A revert already begun (confirm-expired) is never held back: the confirm that comes is too late.
  assert.equal(revertHeldUntil(view(...APPLIED, WAIT, rec("confirm-expired")), DEADLINE + 1, byDeadline), undefined);
});

Deno.test("watchdogDecision: nothing to do for a confirmed, closed or unknown run", () => {
  assert.deepEqual(
    watchdogDecision(view(...APPLIED, WAIT, rec("run-confirmed", { by: "command" })), DEADLINE + 1, true),
    {
      kind: "done",
    },
  );
  assert.deepEqual(watchdogDecision(view(...APPLIED, WAIT, rec("run-end", { state: "undone" })), DEADLINE + 1, true), {
    kind: "done",
  });
  assert.deepEqual(watchdogDecision(undefined, DEADLINE + 1, true), { kind: "done" });
});

Deno.test("watchdogLaunchArgv: a systemd scope where systemd is PID 1, setsid elsewhere; the PID is kept either way", () => {
  const w = ["nsrecipe", "__watchdog", "r1", "123"];
  assert.deepEqual(watchdogLaunchArgv({ systemdPid1: false }, "r1", w), ["setsid", ...w]);
  assert.deepEqual(watchdogLaunchArgv({ systemdPid1: true }, "r1", w), [
    "systemd-run",
    "--scope",
    "--quiet",
    "--collect",
    "--unit=nsrecipe-watchdog-r1",
    "--description=nsrecipe: undo run r1 unless confirmed",
    "--",
    "setsid",
    ...w,
  ]);
});

Deno.test("alarmArgv: logger to the system log at user.crit, wall to root's terminals", () => {
  assert.deepEqual(alarmArgv("-x NOT reverted"), [
    ["logger", "-t", "nsrecipe", "-p", "user.crit", "--", "-x NOT reverted"],
    ["wall", "-g", "root", "-x NOT reverted"],
  ]);
});

Deno.test("expiredWindows: open, past the deadline, unconfirmed, not left incomplete by a failed undo", () => {
  const runs = (...l: string[]) => foldRuns(parseJournal(l.join("\n") + "\n")).runs;
  // A confirm started by the deadline may still be coming up (H13): not acted on before the grace has passed.
  assert.equal(expiredWindows(runs(...APPLIED, WAIT), DEADLINE + 1).length, 0);
  assert.equal(expiredWindows(runs(...APPLIED, WAIT), DEADLINE + CONFIRM_STARTUP_GRACE_MS + 1).length, 1);
  assert.equal(expiredWindows(runs(...APPLIED, WAIT, rec("confirm-expired")), DEADLINE + 1).length, 1);
  assert.equal(expiredWindows(runs(...APPLIED, WAIT), DEADLINE - 1).length, 0);
  assert.equal(
    expiredWindows(runs(...APPLIED, WAIT, rec("run-confirmed", { by: "tty" })), DEADLINE + 60_000).length,
    0,
  );
  assert.equal(
    expiredWindows(
      runs(...APPLIED, WAIT, rec("confirm-expired"), rec("run-end", { state: "incomplete" })),
      DEADLINE + 1,
    )
      .length,
    0,
  );
});

/** A journal whose appends fail from the `failFrom`-th on (0-based), as a disk that fills up. */
function fillingJournal(failFrom: number) {
  const written: RecordBody[] = [];
  let n = 0;
  const journal = {
    path: "/run/nsrecipe/journal.jsonl",
    read: () => Promise.resolve(parseJournal("")),
    append: (body: RecordBody) => {
      if (n++ >= failFrom) {
        return Promise.reject(
          new JournalWriteError("/run/nsrecipe/journal.jsonl", "No space left on device (os error 28)"),
        );
      }
      written.push(body);
      return Promise.resolve();
    },
  } as unknown as Journal;
  return { journal, written };
}

Deno.test("DeferringJournal: from the first record the disk refuses, every record is kept in order, none thrown", async () => {
  const { journal, written } = fillingJournal(1);
  const d = new DeferringJournal(journal, parseJournal(""), journal.path);
  await d.append({ kind: "confirm-expired", run: "r1" });
  await d.append({ kind: "step-undone", run: "r1", index: 0, how: "reverted" });
  await d.append({ kind: "run-end", run: "r1", state: "undone" });
  assert.deepEqual(written.map((r) => r.kind), ["confirm-expired"]);
  assert.deepEqual(d.pending.map((r) => r.kind), ["step-undone", "run-end"]);
  assert.equal(d.reason, "No space left on device (os error 28)");
});

Deno.test("DeferringJournal without an open journal reads what was held in memory and keeps every record", async () => {
  const memory = parseJournal([...APPLIED, WAIT].join("\n") + "\n");
  const d = new DeferringJournal(
    undefined,
    memory,
    "/run/nsrecipe/journal.jsonl",
    "Read-only file system (os error 30)",
  );
  assert.equal((await d.read()).records.length, 5);
  await d.append({ kind: "confirm-expired", run: "r1" });
  assert.deepEqual(d.pending, [{ kind: "confirm-expired", run: "r1" }]);
  assert.equal(d.reason, "Read-only file system (os error 30)");
});

Deno.test("writeDeferred writes kept records in order; drops them when another process closed the run meanwhile", async () => {
  const { journal, written } = fillingJournal(99);
  const pending: RecordBody[] = [
    { kind: "confirm-expired", run: "r1" },
    { kind: "run-end", run: "r1", state: "undone" },
  ];
  assert.equal(await writeDeferred(journal, "r1", pending, true), "written");
  assert.deepEqual(written.map((r) => r.kind), ["confirm-expired", "run-end"]);
  assert.deepEqual(pending, []);
  const again: RecordBody[] = [{ kind: "run-end", run: "r1", state: "undone" }];
  assert.equal(await writeDeferred(journal, "r1", again, false), "dropped");
  assert.equal(written.length, 2);
});

Deno.test("a captured command that outlives its bound is killed and says it timed out", async () => {
  const spawn: Spawn = () => {
    let kill: () => void = () => {};
    const ended = new Promise<{ code: number; signal: Deno.Signal | null; stdout: Uint8Array; stderr: Uint8Array }>((
      resolve,
    ) => (kill = () => resolve({ code: 137, signal: "SIGKILL", stdout: new Uint8Array(), stderr: new Uint8Array() })));
    return {
      pid: 1,
      kill: () => kill(),
      wait: () => ended,
      writeStdin: () => Promise.resolve(),
      unref: () => {},
    } as unknown as ReturnType<Spawn>;
  };
  const { run } = processes({ spawn });
  await assert.rejects(run(["ip", "monitor"], { timeoutMs: 20 }), /timed out after 20 ms and was killed/);
});

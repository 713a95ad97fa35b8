/**
 * Finding H13: a `nsrecipe confirm` started before the deadline was "Too late" when its start-up and the lock
 * brought it past the deadline. The admin's intent now counts from when they ran it: confirm records that
 * moment (a confirm intent in the state directory, before it waits for the lock), and whoever reverts the expired
 * window holds back for it. Exactly one outcome is journalled, and what each side prints is true.
 */
import assert from "node:assert/strict";
import { CONFIRM_STARTUP_GRACE_MS } from "../../src/engine/mod.ts";
import { EXIT } from "../../src/errors.ts";
import { selfArgv } from "../../src/lab/mod.ts";
import { records } from "../support/interrupt.ts";
import { snapshotDiff, type TestLab, withLab } from "../support/lab.ts";
import { assertExit } from "../support/reliability.ts";
import { holdLock } from "../support/side_by_side.ts";
import { waitFor } from "../support/wait.ts";

/** `run --json … --confirm SECONDS` in the lab: the run's id and its deadline (ms since the epoch). */
async function runWithWindow(lab: TestLab, name: string, seconds: number): Promise<{ id: string; deadline: number }> {
  const r = await lab.nsrecipe(["--json", "run", "netns", "--name", name, "--confirm", String(seconds), "--", "true"]);
  assertExit(r, 0, "run --confirm");
  const out = JSON.parse(r.stdout);
  assert.equal(out.confirmation?.state, "waiting");
  return { id: out.run, deadline: Date.parse(out.confirmation.deadline) };
}

const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));

/** The children of a host process (proc(5), `/proc/PID/task/PID/children`). */
async function childrenOf(pid: number): Promise<number[]> {
  const text = await Deno.readTextFile(`/proc/${pid}/task/${pid}/children`).catch(() => "");
  return text.trim().split(/\s+/).filter(Boolean).map(Number);
}

Deno.test("H13: a confirm started before the deadline that reaches the lock long after it (start-up, lock, stopped past the grace) is accepted; the watchdog holds back; one outcome", async () => {
  await withLab(async (lab) => {
    const { id, deadline } = await runWithWindow(lab, "k1", 10);
    const ns = (await lab.sh(["stat", "-L", "-c", "%d-%i", "/proc/self/ns/net"])).stdout.trim();
    const held = await holdLock(lab, `/run/nsrecipe/host-${ns}.lock`);
    let confirm: Deno.ChildProcess | undefined;
    try {
      // Started 5 s before the deadline (its start-up on a loaded machine took more than 2.5 s and the grace once, in a
      // whole run: its intent came after the watchdog had reverted); it records its intent, then waits for the lock.
      await sleepUntil(deadline - 5000);
      const [program, ...args] = [...lab.enter, ...selfArgv(), "confirm", "k1"];
      confirm = new Deno.Command(program, { args, stdin: "null", stdout: "piped", stderr: "piped" }).spawn();
      const spawnedAt = Date.now();
      assert.ok(spawnedAt < deadline, "the confirm was started before the deadline");
      await waitFor("the confirm's intent", async () => {
        const ls = await lab.sh(["ls", "/run/nsrecipe"]);
        return /confirm-intent-\d+\.json/.test(ls.stdout);
      }, 60_000);
      // Stopped (a slow, loaded host): it holds no lock (it waits for the host lock, the first it takes).
      const [nsrecipe] = await childrenOf(confirm.pid);
      assert.ok(nsrecipe, "nsenter's child, the confirming nsrecipe");
      Deno.kill(nsrecipe, "SIGSTOP");
      await held.release();
      // Well past the deadline and the start-up grace: without the hold, the watchdog would have reverted by now.
      await sleepUntil(deadline + CONFIRM_STARTUP_GRACE_MS + 2000);
      const meanwhile = await records(lab);
      assert.equal(meanwhile.filter((r) => r.kind === "confirm-expired").length, 0, "the watchdog held back");
      // nsenter stopped itself with its child, and continues it once continued itself (see tests/support/interrupt.ts).
      Deno.kill(confirm.pid, "SIGCONT");
      Deno.kill(nsrecipe, "SIGCONT");
      const out = await confirm.output();
      confirm = undefined;
      const stdout = new TextDecoder().decode(out.stdout);
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      assert.match(
        stdout,
        new RegExp(
          `Confirmed run ${id} \\(k1\\) \\(asked at \\d\\d:\\d\\d:\\d\\d, before the deadline \\d\\d:\\d\\d:\\d\\d\\): it stays\\.`,
        ),
      );
    } finally {
      await held.release();
      if (confirm) {
        try {
          confirm.kill("SIGKILL");
          await confirm.status;
        } catch {
          // it had ended
        }
      }
    }
    // Exactly one outcome in the journal: the confirmation, with the time it was asked (before the deadline).
    const all = await records(lab) as { kind: string; run: string; invokedAt?: number }[];
    const mine = all.filter((r) => r.run === id);
    assert.deepEqual(mine.slice(mine.findIndex((r) => r.kind === "confirm-wait")).map((r) => r.kind), [
      "confirm-wait",
      "run-confirmed",
    ]);
    const confirmed = mine.find((r) => r.kind === "run-confirmed")!;
    assert.ok(confirmed.invokedAt! <= deadline && confirmed.invokedAt! > deadline - 10_000, `${confirmed.invokedAt}`);
    // The watchdog saw it and ended; the run stays; no intent file is left.
    const status = JSON.parse((await lab.nsrecipe(["--json", "status", "k1"])).stdout).runs[0];
    assert.equal(status.shown, "applied");
    assert.doesNotMatch((await lab.sh(["ls", "/run/nsrecipe"])).stdout, /confirm-intent/);
    assertExit(await lab.nsrecipe(["undo", "k1"]), 0, "undo");
  });
});

Deno.test("H13: a confirm started after the deadline is too late even within the start-up grace, says when it was started; the watchdog reverts; one outcome", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const { id, deadline } = await runWithWindow(lab, "k2", 2);
    await sleepUntil(deadline + 300);
    const late = await lab.nsrecipe(["confirm", "k2"]);
    assert.equal(late.code, EXIT.precondition, late.stderr);
    assert.match(
      late.stderr,
      new RegExp(
        `Too late: run '${id}' \\(k2\\) was not confirmed by \\d\\d:\\d\\d:\\d\\d( \\(this confirm was started at \\d\\d:\\d\\d:\\d\\d, after it\\)|.*has been reverted)`,
      ),
    );
    await waitFor(
      "the watchdog's revert",
      async () => (await records(lab)).some((r) => r.run === id && r.kind === "run-end" && r.state === "undone"),
      60_000,
    );
    const kinds = (await records(lab)).filter((r) => r.run === id).map((r) => r.kind);
    assert.ok(!kinds.includes("run-confirmed"), kinds.join(","));
    assert.equal(kinds.filter((k) => k === "confirm-expired").length, 1);
    const after = await lab.snapshot();
    assert.deepEqual(after, before, snapshotDiff(before, after));
  });
});

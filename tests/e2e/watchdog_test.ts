/**
 * The confirm-or-revert watchdog never gives up in silence (issue 12, items
 * 1-3): a slow switch is not reverted the moment it ends; a revert that fails
 * leaves a loud trace; a run confirmed or undone ends its watchdog at once;
 * where systemd is PID 1 the watchdog runs in a transient scope. (Its other
 * tests: `watchdog_state_dir_test.ts`, `watchdog_killed_test.ts`; one file
 * each, so that `deno test --parallel` runs them side by side.)
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { withLab } from "../support/lab.ts";
import { selfArgv } from "../../src/lab/mod.ts";
import { WATCHDOG_COMMAND } from "../../src/cli/hidden.ts";
import { waitFor } from "../support/wait.ts";
import { ended, holdJournalLock, records, STATE, waitForSnapshot } from "../support/watchdog_journal.ts";
import { CONFIRM_STARTUP_GRACE_MS } from "../../src/engine/mod.ts";
import { clockTime } from "../../src/cli/clock.ts";

Deno.test("watchdog: a switch slower than the window is not reverted when it ends; the announced deadline is the one enforced", async () => {
  await withLab(async (lab) => {
    const started = Date.now();
    const child = lab.spawn([
      "env",
      "NSRECIPE_TEST_FAULT=i-understand-this-breaks-nsrecipe:stop@after-done:1",
      ...(await import("../../src/lab/mod.ts")).selfArgv(),
      "run",
      "netns",
      "--name",
      "w4",
      "--confirm",
      "8",
      "--",
      "true",
    ]);
    let pid = "";
    await waitFor("the switch to stop after its last step", async () => {
      pid = String((await records(lab).catch(() => [])).find((x) => x.kind === "run-begin")?.pid ?? "");
      return pid !== "" && (await lab.sh(["ps", "-o", "stat=", "-p", pid])).stdout.trim().startsWith("T");
    });
    // The provisional deadline (8 s after the start) passes while the switch is stopped. (A window of 8 s, not less:
    // the confirm below must come within it after the switch ends, on a loaded CI machine too.)
    await waitFor("the provisional deadline to pass", () => Promise.resolve(Date.now() > started + 10_000), 30_000);
    await lab.sh(["kill", "-CONT", pid]);
    // nsenter(1) stops itself when its child stops, and continues it when it is continued itself.
    Deno.kill(child.pid, "SIGCONT");
    const status = await child.status;
    const stderr = new TextDecoder().decode((await child.stderr.getReader().read()).value ?? new Uint8Array());
    assert.equal(status.code, 0, stderr);
    await child.stdout.cancel();
    const ok = await lab.nsrecipe(["confirm", "w4"]);
    assert.equal(ok.code, 0, ok.stderr);
    const kinds = (await records(lab)).map((x) => x.kind);
    assert.deepEqual(kinds.slice(kinds.indexOf("confirm-wait")), ["confirm-wait", "run-confirmed"]);
    const wait = (await records(lab)).find((x) => x.kind === "confirm-wait")!;
    assert.ok(wait.deadline! > started + 10_000 + 7000, "the window was counted from the end of the switch");
    assert.match((await lab.sh(["ip", "netns", "list"])).stdout, /^w4\b/m);
  });
});

Deno.test("watchdog: a revert that fails leaves a loud trace: system log, root terminals, status, confirm and undo", async () => {
  await withLab(async (lab) => {
    // Stand-ins for logger(1) and wall(1) that record what they were asked to send.
    await lab.sh([
      "sh",
      "-c",
      "mkdir -p /run/fakebin && for p in logger wall; do printf '#!/bin/sh\\necho \"$0 $*\" >> /run/alarms\\n' > /run/fakebin/$p; chmod +x /run/fakebin/$p; done",
    ]);
    const before = await lab.snapshot();
    const env = {
      PATH: `/run/fakebin:${Deno.env.get("PATH")}`,
      NSRECIPE_TEST_FAULT: "i-understand-this-breaks-nsrecipe:fail@undo:0",
    };
    const r = await lab.nsrecipe(["run", "netns", "--name", "w5", "--confirm", "1", "--", "true"], env);
    assert.equal(r.code, 0, r.stderr);
    await waitFor("the alarm", async () => (await lab.sh(["cat", "/run/alarms"])).stdout.split("\n").length > 2);
    const alarms = (await lab.sh(["cat", "/run/alarms"])).stdout;
    assert.match(
      alarms,
      /^\/run\/fakebin\/logger -t nsrecipe -p user\.crit -- nsrecipe: run \S+ \(w5\), not confirmed by \d\d:\d\d:\d\d, was NOT reverted: .*injected failure/m,
    );
    assert.match(alarms, /^\/run\/fakebin\/wall -g root nsrecipe: run \S+ \(w5\), .*was NOT reverted/m);
    const st = await lab.nsrecipe(["status"]);
    assert.match(st.stdout, /^w5\s+netns\s+confirmation expired, NOT reverted\s/m);
    assert.match(st.stderr, /w5: note: confirmation expired at \d\d:\d\d:\d\d, NOT reverted: .*injected failure/);
    const json = JSON.parse((await lab.nsrecipe(["--json", "status"])).stdout).runs[0];
    assert.equal(json.confirmation.state, "expired");
    assert.match(json.confirmation.why, /injected failure/);
    const late = await lab.nsrecipe(["confirm", "w5"]);
    assert.equal(late.code, EXIT.precondition);
    assert.match(late.stderr, /automatic undo could not complete; the change is still in place, NOT reverted/);
    const undo = await lab.nsrecipe(["undo", "w5"]);
    assert.equal(undo.code, 0, undo.stderr);
    assert.match(
      undo.stderr,
      /note: its confirmation expired at \d\d:\d\d:\d\d, NOT reverted then: .*injected failure/,
    );
    assert.deepEqual(await lab.snapshot(), before);
  });
});

Deno.test("watchdog: a run confirmed or undone before its deadline ends its watchdog then, not at the deadline", async () => {
  await withLab(async (lab) => {
    for (const [name, close] of [["w7", "confirm"], ["w8", "undo"]] as const) {
      assert.equal((await lab.nsrecipe(["run", "netns", "--name", name, "--confirm", "600", "--", "true"])).code, 0);
      const pid = (await records(lab)).findLast((x) => x.kind === "confirm-wait")!.watchdogPid!;
      assert.equal((await lab.nsrecipe([close, name])).code, 0);
      // Dead once gone or a zombie (the lab's PID 1 does not reap).
      await waitFor(`the watchdog of ${name} to end`, async () => {
        const stat = (await lab.sh(["ps", "-o", "stat=", "-p", String(pid)])).stdout.trim();
        return stat === "" || stat.startsWith("Z");
      });
    }
  });
});

Deno.test("watchdog alive past the deadline (held back by the journal's lock): status says 'confirmation expired, reverting' and names it, never 'NOT reverted'; it reverts once the lock is free", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    // The window leaves room to take the lock before its deadline on a loaded machine.
    assert.equal((await lab.nsrecipe(["run", "netns", "--name", "wa", "--confirm", "6", "--", "true"])).code, 0);
    const wait = (await records(lab)).find((x) => x.kind === "confirm-wait")!;
    const lock = await holdJournalLock(lab);
    try {
      assert.ok(Date.now() < wait.deadline!, "the lock was taken within the window");
      await waitFor(
        "the deadline and its hold for a confirm to pass",
        () => Promise.resolve(Date.now() > wait.deadline! + CONFIRM_STARTUP_GRACE_MS + 500),
        30_000,
      );
      const why = `its watchdog (pid ${wait.watchdogPid}) is at work on it (waiting for the lock or for a 'nsrecipe ` +
        "confirm' started by the deadline, or recording a revert the journal could not take yet); 'nsrecipe undo wa' " +
        "reverts it now";
      const text = await lab.nsrecipe(["status"]);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /^wa\s+netns\s+confirmation expired, reverting\s/m);
      assert.ok(
        text.stderr.split("\n").includes(
          `wa: note: confirmation expired at ${clockTime(wait.deadline!)}, reverting: ${why}`,
        ),
        text.stderr,
      );
      assert.doesNotMatch(text.stdout + text.stderr, /NOT reverted/);
      const [json] = JSON.parse((await lab.nsrecipe(["--json", "status"])).stdout).runs;
      assert.equal(json.shown, "confirmation expired, reverting");
      assert.deepEqual(json.confirmation, {
        state: "reverting",
        deadline: new Date(wait.deadline!).toISOString(),
        inSeconds: 0,
        why,
      });
      assert.equal(await ended(lab), undefined, "held back by the lock: not reverted yet");
    } finally {
      await lock.release();
    }
    await waitForSnapshot(lab, before, "the watchdog's revert once the lock is free");
    await waitFor("the revert's run-end record", async () => await ended(lab) === "undone");
  });
});

/**
 * A stand-in for systemd-run(1): records its argv, one per line, then does what `systemd-run --scope` does once the
 * scope unit exists: runs the command after `--` in place (same PID), detached from nothing else.
 */
const FAKE_SYSTEMD_RUN = `#!/bin/sh
for a in "$@"; do printf '%s\\n' "$a"; done > /run/systemd-run.argv
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do shift; done
shift
exec "$@"
`;

Deno.test("watchdog where systemd is PID 1 (/run/systemd/system; a fake systemd-run, no real systemd host here): started as transient scope unit nsrecipe-watchdog-RUN with --collect, keeps its PID, and reverts at the deadline", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    for (
      const c of [
        ["mkdir", "-p", "/run/systemd/system", "/run/fakebin"],
        ["sh", "-c", "cat > /run/fakebin/systemd-run && chmod 755 /run/fakebin/systemd-run"],
      ]
    ) {
      const r = await lab.sh(c, c[0] === "sh" ? FAKE_SYSTEMD_RUN : undefined);
      assert.equal(r.code, 0, r.stderr);
    }
    const started = Date.now();
    const r = await lab.nsrecipe(["run", "netns", "--name", "w10", "--confirm", "5", "--", "true"], {
      PATH: `/run/fakebin:${Deno.env.get("PATH")}`,
    });
    assert.equal(r.code, 0, r.stderr);
    const wait = (await records(lab)).find((x) => x.kind === "confirm-wait")!;
    // systemd-run --scope and setsid exec in place: the recorded PID is the watchdog's.
    const cmdline = (await lab.sh(["cat", `/proc/${wait.watchdogPid}/cmdline`])).stdout.split("\0");
    assert.deepEqual(cmdline.slice(-4, -2), [WATCHDOG_COMMAND, wait.run]);
    const argv = (await lab.sh(["cat", "/run/systemd-run.argv"])).stdout.split("\n").slice(0, -1);
    const deadline = Number(argv.at(-1));
    assert.deepEqual(argv.slice(0, -1), [
      "--scope",
      "--quiet",
      "--collect",
      `--unit=nsrecipe-watchdog-${wait.run}`,
      `--description=nsrecipe: undo run ${wait.run} unless confirmed`,
      "--",
      "setsid",
      ...selfArgv(),
      "--state-dir",
      STATE,
      WATCHDOG_COMMAND,
      wait.run,
    ]);
    assert.ok(deadline >= started + 5000 && deadline <= wait.deadline!, `provisional deadline ${deadline}`);
    await waitForSnapshot(lab, before, "the watchdog's revert", wait.deadline);
    // The journal records the revert after its effect (a write-ahead journal: intent, effect, then done), so the
    // host can be back a moment before the record is on disk.
    await waitFor("the revert to be recorded", async () => (await ended(lab)) === "undone", 30_000);
  });
});

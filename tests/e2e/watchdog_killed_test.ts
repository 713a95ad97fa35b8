/**
 * A killed watchdog is noticed (issue 12, items 1-3): `status` reports the
 * expired window and changes nothing, the next `undo` or `confirm` acts on it
 * and says so, a PID given to another process does not pass for the watchdog
 * (its start time is checked), and a revert cut short is reported as partly
 * done. (The watchdog's other tests: `watchdog_test.ts`,
 * `watchdog_state_dir_test.ts`; one file each, so that `deno test --parallel`
 * runs them side by side.)
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { withLab } from "../support/lab.ts";
import { selfArgv } from "../../src/lab/mod.ts";
import { waitFor } from "../support/wait.ts";
import { CONFIRM_STARTUP_GRACE_MS } from "../../src/engine/mod.ts";
import { ended, type Rec, records } from "../support/watchdog_journal.ts";

Deno.test("watchdog killed: status reports the expired window and what reverts it, changing nothing; the next undo reverts it; confirm then says it was reverted", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    // The window leaves room to kill the watchdog before its deadline on a loaded machine.
    const r = await lab.nsrecipe(["run", "netns", "--name", "w2", "--confirm", "6", "--", "true"]);
    assert.equal(r.code, 0, r.stderr);
    const wait = (await records(lab)).find((x) => x.kind === "confirm-wait")!;
    assert.equal((await lab.sh(["kill", "-KILL", String(wait.watchdogPid)])).code, 0);
    assert.ok(Date.now() < wait.deadline!, "the watchdog was killed within the window");
    await waitFor(
      "the deadline to pass",
      () => Promise.resolve(Date.now() > wait.deadline! + CONFIRM_STARTUP_GRACE_MS + 500),
      30_000,
    );
    assert.equal(await ended(lab), undefined, "nobody has acted yet");
    // status only reads (P21): twice, it reports the window, why nothing reverts it and what does; the host stays.
    const applied = await lab.snapshot();
    for (const json of [false, true]) {
      const look = await lab.nsrecipe([...(json ? ["--json"] : []), "status"]);
      assert.equal(look.code, 0, look.stderr);
      const why = `its watchdog (pid ${wait.watchdogPid}) is gone, so nothing reverts it: 'nsrecipe undo w2' does, ` +
        "as does the next 'nsrecipe run', 'confirm' or 'undo'";
      if (json) {
        const [r] = JSON.parse(look.stdout).runs;
        assert.equal(r.shown, "confirmation expired, NOT reverted");
        assert.equal(r.confirmation.state, "expired");
        assert.equal(r.confirmation.why, why);
      } else {
        assert.match(look.stdout, /^w2\s+netns\s+confirmation expired, NOT reverted\s/m);
        assert.ok(look.stderr.includes(`w2: note: confirmation expired at `) && look.stderr.includes(why), look.stderr);
        assert.doesNotMatch(look.stderr, /undoing it now/);
      }
      assert.equal(await ended(lab), undefined, "status acted on nothing");
      assert.deepEqual(await lab.snapshot(), applied);
    }
    const st = await lab.nsrecipe(["undo", "w2"]);
    assert.equal(st.code, 0, st.stderr);
    assert.match(
      st.stderr,
      new RegExp(
        `Run ${wait.run} \\(w2\\) was not confirmed by \\d\\d:\\d\\d:\\d\\d and its watchdog \\(pid ${wait.watchdogPid}\\) is gone: undoing it now`,
      ),
    );
    assert.match(st.stdout, /^Nothing more to undo\.$/m);
    assert.match((await lab.nsrecipe(["status"])).stdout, /No applied runs/);
    assert.equal(await ended(lab), "undone");
    assert.deepEqual(await lab.snapshot(), before);
    const late = await lab.nsrecipe(["confirm", "w2"]);
    assert.equal(late.code, EXIT.precondition);
    assert.match(
      late.stderr,
      /Too late: run '.*' \(w2\) was not confirmed by .* and has been reverted \(journal: undone\)/,
    );
  });
});

Deno.test("watchdog killed: 'confirm' after the deadline acts on it first and tells the truth", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    // The window leaves room to kill the watchdog before its deadline on a loaded machine.
    assert.equal((await lab.nsrecipe(["run", "netns", "--name", "w3", "--confirm", "6", "--", "true"])).code, 0);
    const wait = (await records(lab)).find((x) => x.kind === "confirm-wait")!;
    assert.equal((await lab.sh(["kill", "-KILL", String(wait.watchdogPid)])).code, 0);
    assert.ok(Date.now() < wait.deadline!, "the watchdog was killed within the window");
    await waitFor(
      "the deadline to pass",
      () => Promise.resolve(Date.now() > wait.deadline! + CONFIRM_STARTUP_GRACE_MS + 500),
      30_000,
    );
    const late = await lab.nsrecipe(["confirm", "w3"]);
    assert.equal(late.code, EXIT.precondition, late.stderr);
    assert.match(late.stderr, /its watchdog \(pid \d+\) is gone: undoing it now/);
    assert.match(late.stderr, /has been reverted \(journal: undone\)/);
    assert.deepEqual(await lab.snapshot(), before);
  });
});

/**
 * Runs argv as a child subreaper (PR_SET_CHILD_SUBREAPER, prctl(2)) that reaps every orphan it inherits (the
 * watchdog, once `run` has exited) until none is left: the lab's PID 1 does not reap, and a zombie keeps its PID.
 */
const REAPER = `
import ctypes, os, subprocess, sys
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)
subprocess.run(sys.argv[1:], stdin=subprocess.DEVNULL)
while True:
    try:
        os.waitpid(-1, 0)
    except ChildProcessError:
        break
`;

Deno.test("watchdog killed and its PID given to another process: status and the next undo see by the start time that the watchdog is gone; undo undoes the run", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const reaper = lab.spawn([
      "/usr/bin/python3",
      "-c",
      REAPER,
      ...selfArgv(),
      "run",
      "netns",
      "--name",
      "w9",
      "--confirm",
      "5",
      "--",
      "true",
    ]);
    let wait: Rec | undefined;
    await waitFor("the confirmation window", async () => {
      wait = (await records(lab)).find((x) => x.kind === "confirm-wait");
      return wait !== undefined;
    });
    const pid = wait!.watchdogPid!;
    const own = await lab.sh(["cat", `/proc/${pid}/stat`]);
    assert.equal(wait!.watchdogStart, Number(own.stdout.slice(own.stdout.lastIndexOf(")") + 2).split(" ")[19]));
    assert.equal((await lab.sh(["kill", "-KILL", String(pid)])).code, 0);
    await reaper.output(); // the reaper ends once it has reaped the watchdog: its PID is free
    // The kernel gives the next process of the lab's PID namespace ns_last_pid + 1: the shell's next fork.
    const other = await lab.sh([
      "sh",
      "-c",
      `echo ${pid - 1} > /proc/sys/kernel/ns_last_pid; sleep 60 </dev/null >/dev/null 2>&1 & echo $!`,
    ]);
    try {
      assert.equal(other.stdout.trim(), String(pid), "the watchdog's PID is reused");
      assert.equal((await lab.sh(["cat", `/proc/${pid}/comm`])).stdout, "sleep\n");
      await waitFor(
        "the deadline to pass",
        () => Promise.resolve(Date.now() > wait!.deadline! + CONFIRM_STARTUP_GRACE_MS + 500),
        30_000,
      );
      assert.equal(await ended(lab), undefined, "nobody has acted yet");
      // status reads (P21) the start time too: the watchdog is gone though its PID lives.
      const look = await lab.nsrecipe(["status"]);
      assert.equal(look.code, 0, look.stderr);
      assert.match(look.stderr, new RegExp(`its watchdog \\(pid ${pid}\\) is gone, so nothing reverts it`));
      assert.equal(await ended(lab), undefined, "status acted on nothing");
      const st = await lab.nsrecipe(["undo"]);
      assert.equal(st.code, 0, st.stderr);
      assert.match(st.stderr, new RegExp(`its watchdog \\(pid ${pid}\\) is gone: undoing it now`));
      assert.equal(await ended(lab), "undone");
      assert.deepEqual(await lab.snapshot(), before);
    } finally {
      await lab.sh(["kill", "-KILL", String(pid)]);
    }
  });
});

Deno.test("M7: the watchdog killed mid-revert: status says 'interrupted, partly reverted' (text and --json), not 'applied'; undo completes it", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    // The watchdog inherits the fault: it kills itself once the undo of the veth pair is recorded. Undo records the
    // steps that go with the namespace, the veth and the bridge first, then deletes the bridge, the veth and the
    // namespace (one ip -batch, e932bb9): all of it is gone for real, but the namespace's deletion is not recorded.
    const plan = JSON.parse((await lab.nsrecipe(["--json", "plan", "veth-bridge", "--name", "w7"])).stdout);
    const steps = plan.steps as { summary: string }[];
    const a = steps.findIndex((s) => /^create veth pair /.test(s.summary));
    assert.ok(a > 0, "the plan makes a veth pair");
    const n = steps.length;
    // The namespace went in the same batch: nothing recorded as going with it is still in effect (H3 asks the host).
    assert.ok(steps.some((s) => s.summary === "bring link 'lo' up in 'w7'"), "lo is brought up in the namespace");
    const env = { NSRECIPE_TEST_FAULT: `i-understand-this-breaks-nsrecipe:kill@after-undo:${a}` };
    const r = await lab.nsrecipe(["run", "veth-bridge", "--name", "w7", "--confirm", "1"], env);
    assert.equal(r.code, 0, r.stderr);
    // It kills itself right after that record: nothing is undone after it.
    await waitFor(
      "the watchdog to record the undo of the veth pair",
      async () => (await records(lab)).some((x) => x.kind === "step-undone" && x.index === a),
      30_000,
    );
    const undone = (await records(lab)).filter((x) => x.kind === "step-undone").length;
    assert.equal(undone, n - 1, "every step but the namespace's creation was recorded undone");
    assert.equal(await ended(lab), undefined, "the revert did not finish");
    // --dry-run: status looks and does not act on the expired window.
    const st = await lab.nsrecipe(["--dry-run", "status"]);
    assert.equal(st.code, 0, st.stderr);
    assert.match(st.stdout, /^w7\s+veth-bridge\s+interrupted, partly reverted\s/m);
    assert.match(
      st.stderr,
      new RegExp(
        `w7: note: confirmation expired at \\d\\d:\\d\\d:\\d\\d, revert interrupted: the revert began and stopped after undoing ${
          n - 1
        } of ${n} steps \\(the watchdog was stopped\\); 'nsrecipe undo w7' completes it\n` +
          // The namespace's deletion ran but was not recorded: its step is still 'done' in the journal, and gone.
          "w7: drift: create network namespace 'w7': 'w7' is not in 'ip netns list'",
      ),
    );
    const json = JSON.parse((await lab.nsrecipe(["--json", "--dry-run", "status"])).stdout).runs[0];
    assert.equal(json.shown, "interrupted, partly reverted");
    assert.equal(json.confirmation.state, "interrupted");
    assert.equal(json.confirmation.undone, n - 1);
    assert.equal(json.confirmation.done, n);
    const undo = await lab.nsrecipe(["undo", "w7"]);
    assert.equal(undo.code, 0, undo.stderr);
    assert.deepEqual(await lab.snapshot(), before);
  });
});

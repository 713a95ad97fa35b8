/**
 * The confirm-or-revert watchdog never gives up in silence (issue 12, items
 * 1-3): it reverts whatever happens to the state directory and records it
 * once it can; a killed watchdog is noticed by the next command; a slow
 * switch is not reverted the moment it ends; a revert that fails leaves a
 * loud trace.
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { type TestLab, withLab } from "../support/lab.ts";
import { selfArgv } from "../../src/lab/mod.ts";
import { WATCHDOG_COMMAND } from "../../src/cli/hidden.ts";
import { waitFor } from "../support/wait.ts";
import { CONFIRM_STARTUP_GRACE_MS } from "../../src/engine/mod.ts";

const STATE = "/run/nsrecipe";

interface Rec {
  kind: string;
  run: string;
  label?: string;
  state?: string;
  index?: number;
  pid?: number;
  deadline?: number;
  watchdogPid?: number;
  watchdogStart?: number;
}

/** The journal as it is on disk (read by the test, not through nsrecipe). */
async function records(lab: TestLab): Promise<Rec[]> {
  const text = (await lab.sh(["cat", `${STATE}/journal.jsonl`])).stdout;
  return text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as Rec);
}

async function ended(lab: TestLab): Promise<string | undefined> {
  return (await records(lab)).findLast((r) => r.kind === "run-end" && r.state !== "applied")?.state;
}

async function waitForSnapshot(lab: TestLab, want: unknown, what: string): Promise<void> {
  await waitFor(what, async () => {
    try {
      assert.deepEqual(await lab.snapshot(), want);
      return true;
    } catch {
      return false;
    }
  }, 30_000);
}

/** A small tmpfs as the state directory, so that it can be filled, remounted or chmodded. */
async function smallStateDir(lab: TestLab): Promise<void> {
  assert.equal((await lab.sh(["mkdir", "-p", STATE])).code, 0);
  const m = await lab.sh(["mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "nsstate", STATE]);
  assert.equal(m.code, 0, m.stderr);
}

/** Fills the state directory's filesystem to the last byte (the journal padded to a page with blank lines first). */
async function fillStateDir(lab: TestLab): Promise<void> {
  await lab.sh([
    "sh",
    "-c",
    `f=${STATE}/journal.jsonl; s=$(stat -c %s $f); p=$(( (4096 - s % 4096) % 4096 )); ` +
    `head -c $p /dev/zero | tr '\\0' '\\n' >> $f; dd if=/dev/zero of=${STATE}/fill bs=1k 2>/dev/null; true`,
  ]);
  const probe = await lab.sh(["sh", "-c", `printf x >> ${STATE}/probe`]);
  assert.notEqual(probe.code, 0, "the state directory is full");
}

const BREAKS: { what: string; doIt: (lab: TestLab) => Promise<void>; undoIt: (lab: TestLab) => Promise<void> }[] = [
  {
    what: "its filesystem fills up",
    doIt: fillStateDir,
    undoIt: (lab) => lab.sh(["rm", `${STATE}/fill`]).then(() => {}),
  },
  {
    what: "it is remounted read-only",
    doIt: async (lab) => assert.equal((await lab.sh(["mount", "-o", "remount,ro", STATE])).code, 0),
    undoIt: (lab) => lab.sh(["mount", "-o", "remount,rw", STATE]).then(() => {}),
  },
  {
    what: "it is chmod 775 (nsrecipe refuses to write there)",
    doIt: async (lab) => assert.equal((await lab.sh(["chmod", "775", STATE])).code, 0),
    undoIt: (lab) => lab.sh(["chmod", "700", STATE]).then(() => {}),
  },
];

for (const b of BREAKS) {
  Deno.test(`watchdog: the state directory breaks during the window (${b.what}); the run is still reverted at the deadline and recorded once it can be`, async () => {
    await withLab(async (lab) => {
      await smallStateDir(lab);
      const before = await lab.snapshot();
      // The window leaves room to break the state directory before its deadline on a loaded machine.
      const r = await lab.nsrecipe(["run", "netns", "--name", "w1", "--confirm", "8", "--", "true"]);
      assert.equal(r.code, 0, r.stderr);
      const wait = (await records(lab)).find((x) => x.kind === "confirm-wait")!;
      const watchdog = wait.watchdogPid!;
      await waitFor(
        "the watchdog to hold the journal",
        async () => (await lab.sh(["ls", "-l", `/proc/${watchdog}/fd`])).stdout.includes(`${STATE}/journal.jsonl`),
      );
      await b.doIt(lab);
      assert.ok(Date.now() < wait.deadline!, "the state directory broke within the window");
      await waitForSnapshot(lab, before, "the watchdog's revert");
      assert.equal(await ended(lab), undefined, "the journal could not record it yet");
      await b.undoIt(lab);
      await waitFor("the revert to be recorded", async () => (await ended(lab)) === "undone", 30_000);
      const kinds = (await records(lab)).map((x) => x.kind);
      assert.deepEqual(kinds.slice(kinds.indexOf("confirm-wait")), [
        "confirm-wait",
        "confirm-expired",
        "step-undone",
        "step-undone",
        "run-end",
      ]);
      const st = await lab.nsrecipe(["status"]);
      assert.match(st.stdout, /No applied runs/);
    });
  });
}

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
      "4",
      "--",
      "true",
    ]);
    let pid = "";
    await waitFor("the switch to stop after its last step", async () => {
      pid = String((await records(lab).catch(() => [])).find((x) => x.kind === "run-begin")?.pid ?? "");
      return pid !== "" && (await lab.sh(["ps", "-o", "stat=", "-p", pid])).stdout.trim().startsWith("T");
    });
    // The provisional deadline (4 s after the start) passes while the switch is stopped.
    await waitFor("the provisional deadline to pass", () => Promise.resolve(Date.now() > started + 6000), 30_000);
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
    assert.ok(wait.deadline! > started + 6000 + 3000, "the window was counted from the end of the switch");
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

Deno.test("the disk fills exactly at the confirmation record: run undoes the change now and says so (exit 5: the undo could not be recorded either), not 'nothing changed'", async () => {
  await withLab(async (lab) => {
    await smallStateDir(lab);
    const before = await lab.snapshot();
    const child = lab.spawn([
      "env",
      "NSRECIPE_TEST_FAULT=i-understand-this-breaks-nsrecipe:stop@after-done:1",
      ...(await import("../../src/lab/mod.ts")).selfArgv(),
      "run",
      "netns",
      "--name",
      "w6",
      "--confirm",
      "60",
      "--",
      "true",
    ]);
    let begin: Rec | undefined;
    await waitFor("the switch to stop after its last step", async () => {
      begin = (await records(lab).catch(() => [])).find((x) => x.kind === "run-begin");
      return begin !== undefined &&
        (await lab.sh(["ps", "-o", "stat=", "-p", String(begin.pid)])).stdout.trim().startsWith("T");
    });
    // Leave room for exactly the run-end record: the confirm-wait record after it finds the disk full.
    const runEnd =
      JSON.stringify({ v: 1, at: new Date().toISOString(), kind: "run-end", run: begin!.run, state: "applied" }) +
      "\n";
    await lab.sh([
      "sh",
      "-c",
      `f=${STATE}/journal.jsonl; s=$(stat -c %s $f); p=$(( (8192 - (s + ${runEnd.length}) % 4096) % 4096 )); ` +
      `head -c $p /dev/zero | tr '\\0' '\\n' >> $f; dd if=/dev/zero of=${STATE}/fill bs=1k 2>/dev/null; true`,
    ]);
    await lab.sh(["kill", "-CONT", String(begin!.pid)]);
    Deno.kill(child.pid, "SIGCONT");
    const out = await child.output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, EXIT.attention, stderr);
    assert.match(
      stderr,
      /Could not record the confirmation window of run \S+ \(No space left on device.*\): nobody could confirm it, so it is undone now\./,
    );
    assert.match(stderr, /reverted every step on the host, but the journal .* could not record it/);
    assert.doesNotMatch(stderr, /nothing (was )?changed/i);
    assert.deepEqual(await lab.snapshot(), before);
    const kinds = (await records(lab)).map((x) => x.kind);
    assert.equal(kinds.at(-1), "run-end", "the run-end (applied) record fitted");
    assert.ok(!kinds.includes("confirm-wait"));
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
    await waitForSnapshot(lab, before, "the watchdog's revert");
    assert.equal(await ended(lab), "undone");
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

import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { CONFIRM_STARTUP_GRACE_MS } from "../../src/engine/mod.ts";
import { DEFAULT_STATE_DIR, JOURNAL_FILE } from "../../src/journal/paths.ts";
import { type TestLab, withLab } from "../support/lab.ts";
import { waitFor } from "../support/wait.ts";
import { wholeLines } from "../support/watchdog_journal.ts";

/**
 * How the newest run called `label` stands, from the journal on disk (polled while the watchdog acts: read
 * through the lab's root, no process): its last run-end's state other than `applied`, else `applied`;
 * `undefined` before it began.
 */
async function runState(lab: TestLab, label: string): Promise<string | undefined> {
  const records = await journalRecords(lab);
  const begin = records.findLast((r) => r.kind === "run-begin" && r.label === label);
  if (!begin) return undefined;
  return records.findLast((r) => r.run === begin.run && r.kind === "run-end" && r.state !== "applied")?.state ??
    "applied";
}

/** The journal's records as they are on disk (read through the lab's root: no process; its whole lines only). */
async function journalRecords(
  lab: TestLab,
): Promise<{ kind: string; run: string; label?: string; state?: string; deadline?: number; watchdogPid?: number }[]> {
  return wholeLines(await lab.readFile(`${DEFAULT_STATE_DIR}/${JOURNAL_FILE}`) ?? "").map((l) => JSON.parse(l));
}

async function journalKinds(lab: TestLab): Promise<string[]> {
  return (JSON.parse((await lab.nsrecipe(["--json", "journal"])).stdout).records as { kind: string }[]).map((r) =>
    r.kind
  );
}

Deno.test("confirm window: an unconfirmed run is undone by the watchdog after the window; confirm is then too late", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const r = await lab.nsrecipe(["run", "netns", "--name", "c1", "--confirm", "1", "--", "true"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /nsrecipe confirm/);
    await waitFor("the watchdog's undo", async () => (await runState(lab, "c1")) === "undone");
    assert.deepEqual(await lab.snapshot(), before);
    const kinds = await journalKinds(lab);
    assert.deepEqual(kinds.slice(kinds.indexOf("confirm-wait")), [
      "confirm-wait",
      "confirm-expired",
      "step-undone",
      "step-undone",
      "run-end",
    ]);
    const late = await lab.nsrecipe(["confirm", "c1"]);
    assert.equal(late.code, EXIT.precondition);
    assert.match(late.stderr, /Too late: run '.*' \(c1\) was not confirmed/);
  });
});

Deno.test("confirm window: a confirmed run stays after the window passes", async () => {
  await withLab(async (lab) => {
    // The window leaves room for 'nsrecipe confirm' to start and come in time on a loaded machine.
    const r = await lab.nsrecipe(["--json", "run", "netns", "--name", "c2", "--confirm", "8", "--", "true"]);
    assert.equal(r.code, 0, r.stderr);
    const deadline = Date.parse(JSON.parse(r.stdout).confirmation.deadline);
    const ok = await lab.nsrecipe(["confirm", "c2"]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /Confirmed run .* \(c2\)/);
    const watchdogPid = (await journalRecords(lab)).find((x) => x.kind === "confirm-wait")!.watchdogPid!;
    // The lab's PID 1 does not reap orphans, so an exited watchdog may linger as a zombie ("Z").
    await waitFor("the watchdog to exit", async () => {
      const stat = (await lab.sh(["ps", "-o", "stat=", "-p", String(watchdogPid)])).stdout.trim();
      return stat === "" || stat.startsWith("Z");
    });
    await waitFor(
      "the window to pass",
      () => Promise.resolve(Date.now() > deadline + CONFIRM_STARTUP_GRACE_MS + 500),
      30_000,
    );
    // The first command after the window acts on expired windows whose watchdog is gone: not on this one.
    const st = await lab.nsrecipe(["status"]);
    assert.equal(st.code, 0, st.stderr);
    assert.doesNotMatch(st.stderr, /undoing it now/);
    assert.equal(await runState(lab, "c2"), "applied");
    assert.match((await lab.sh(["ip", "netns", "list"])).stdout, /^c2\b/m);
  });
});

Deno.test("confirm window: killing the launching process group (as when SSH drops) does not stop the revert", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const child = lab.spawn([
      "setsid",
      "--wait",
      "sh",
      "-c",
      // The window leaves room to kill the group before its deadline on a loaded machine.
      `exec ${(await import("../../src/lab/mod.ts")).selfArgv().join(" ")} run netns --name c3 --confirm 8 -- sleep 60`,
    ]);
    let deadline: number | undefined;
    await waitFor("the run to wait for confirmation", async () => {
      deadline = (await journalRecords(lab)).find((x) => x.kind === "confirm-wait")?.deadline;
      return deadline !== undefined;
    });
    const pgid = (await lab.sh(["pgrep", "-f", "run netns --name c3"])).stdout.trim().split("\n")[0];
    assert.ok(pgid, "the nsrecipe process was found");
    await lab.sh([
      "sh",
      "-c",
      `kill -HUP -- -$(ps -o pgid= -p ${pgid} | tr -d ' '); sleep 0; kill -KILL -- -$(ps -o pgid= -p ${pgid} | tr -d ' ') 2>/dev/null; true`,
    ]);
    assert.ok(Date.now() < deadline!, "the group was killed within the window (else the watchdog had acted already)");
    await child.status;
    await waitFor("the watchdog's undo", async () => (await runState(lab, "c3")) === "undone");
    assert.deepEqual(await lab.snapshot(), before);
    await child.stdout.cancel();
    await child.stderr.cancel();
  });
});

Deno.test("confirm window: nsrecipe killed in the middle of the switch; the watchdog, started before the first step, still reverts", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const r = await lab.nsrecipe(
      ["run", "full-migrate", "--name", "c4", "--address", "198.51.100.50/24", "--confirm", "1", "--", "true"],
      { NSRECIPE_TEST_FAULT: "i-understand-this-breaks-nsrecipe:kill@after-done:10" },
    );
    assert.equal(r.code, 137, r.stderr);
    await waitFor("the watchdog's undo", async () => (await runState(lab, "c4")) === "undone");
    assert.deepEqual(await lab.snapshot(), before);
  });
});

Deno.test("full-migrate without a terminal keeps its 120 s window and says how to confirm it; --no-confirm opens none", async () => {
  await withLab(async (lab) => {
    const started = Date.now();
    const r = await lab.nsrecipe([
      "--json",
      "run",
      "full-migrate",
      "--name",
      "n1",
      "--address",
      "198.51.100.50/24",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const runId = JSON.parse(r.stdout).run as string;
    assert.match(
      r.stderr,
      new RegExp(
        `Confirm within 120 s \\(by \\d\\d:\\d\\d:\\d\\d\\) or the change is undone: run 'nsrecipe confirm ${runId}' from any session\\.`,
      ),
    );
    const wait = (JSON.parse((await lab.nsrecipe(["--json", "journal"])).stdout).records as {
      kind: string;
      deadline?: number;
    }[]).find((x) => x.kind === "confirm-wait")!;
    assert.ok(wait.deadline! >= started + 120_000 && wait.deadline! <= Date.now() + 120_000, String(wait.deadline));
    assert.equal(Date.parse(JSON.parse(r.stdout).confirmation.deadline), wait.deadline);
    assert.equal((await lab.nsrecipe(["confirm", runId])).code, 0);
    assert.equal((await lab.nsrecipe(["undo", "n1"])).code, 0);
    const plain = await lab.nsrecipe(
      ["run", "full-migrate", "--name", "n2", "--address", "198.51.100.50/24", "--no-confirm"],
    );
    assert.equal(plain.code, 0, plain.stderr);
    assert.doesNotMatch(plain.stderr, /Confirm within/);
    assert.equal((await journalKinds(lab)).filter((k) => k === "confirm-wait").length, 1);
    // --help says which: the window is kept without a terminal, and --no-confirm is how a script opts out.
    const help = (await lab.nsrecipe(["run", "full-migrate", "--help"])).stdout.replace(/\s+/g, " ");
    assert.match(
      help,
      /--confirm <seconds> undo automatically unless confirmed within SECONDS, by typing yes or by 'nsrecipe confirm' from any session .*full-migrate: 120 by default, on a terminal or not/,
    );
    assert.match(help, /--no-confirm no confirmation window \(for scripts that need none\)/);
  });
});

Deno.test("status during a pending confirmation: 'waiting for confirmation, reverts at HH:MM:SS (in N s)', text and --json; applied once confirmed, and --json keeps the confirmation (P25: one ISO deadline in run's and status's documents)", async () => {
  await withLab(async (lab) => {
    const r = await lab.nsrecipe(["--json", "run", "netns", "--name", "c5", "--confirm", "300", "--", "true"]);
    assert.equal(r.code, 0, r.stderr);
    const opened = JSON.parse(r.stdout);
    assert.equal("confirmSeconds" in opened, false, "the window is only 'confirmation': one name per fact");
    assert.equal(opened.deadline, undefined, "no second, epoch-ms deadline");
    assert.equal(opened.confirmation.state, "waiting");
    assert.match(opened.confirmation.deadline, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(opened.confirmation.inSeconds > 200 && opened.confirmation.inSeconds <= 300);
    const text = await lab.nsrecipe(["status"]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^c5\s+netns\s+waiting for confirmation\s/m);
    assert.match(
      text.stderr,
      /c5: note: waiting for confirmation, reverts at \d\d:\d\d:\d\d \(in (\d+) s\); 'nsrecipe confirm c5' keeps it/,
    );
    const inSeconds = Number(/\(in (\d+) s\)/.exec(text.stderr)![1]);
    assert.ok(inSeconds > 200 && inSeconds <= 300, String(inSeconds));
    const details = await lab.nsrecipe(["status", "c5"]);
    assert.match(details.stdout, /state:\s+waiting for confirmation/);
    assert.match(details.stdout, /note:\s+waiting for confirmation, reverts at/);
    const json = JSON.parse((await lab.nsrecipe(["--json", "status"])).stdout) as {
      runs: { label: string; shown: string; confirmation?: { state: string; inSeconds: number; deadline: string } }[];
    };
    const c5 = json.runs.find((x) => x.label === "c5")!;
    assert.equal(c5.shown, "waiting for confirmation");
    assert.equal(c5.confirmation!.state, "waiting");
    assert.equal(c5.confirmation!.deadline, opened.confirmation.deadline, "status and run give the same deadline");
    assert.ok(c5.confirmation!.inSeconds > 200 && c5.confirmation!.inSeconds <= 300);
    assert.equal("revertsAt" in c5.confirmation!, false, "no local clock time in a machine document");
    const confirmed = JSON.parse((await lab.nsrecipe(["--json", "confirm", "c5"])).stdout);
    assert.equal(confirmed.ok, true);
    const after = JSON.parse((await lab.nsrecipe(["--json", "status"])).stdout).runs[0];
    assert.equal(after.shown, "applied");
    const at = (await journalRecords(lab)).find((x) => x.kind === "run-confirmed") as { at?: string } | undefined;
    assert.ok(at?.at, "the journal's run-confirmed record");
    assert.deepEqual(after.confirmation, {
      state: "confirmed",
      deadline: opened.confirmation.deadline,
      inSeconds: null,
      at: at.at,
      how: "command",
    });
    assert.ok(
      after.notes.some((n: string) => /^confirmed at \d\d:\d\d:\d\d \(nsrecipe confirm\)$/.test(n)),
      after.notes,
    );
  });
});

Deno.test("confirm: a run confirmed and then undone is not confirmable again (exit 3, says when it was undone)", async () => {
  await withLab(async (lab) => {
    const r = await lab.nsrecipe(["run", "netns", "--name", "x", "--confirm", "30", "--", "true"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await lab.nsrecipe(["confirm"])).code, 0);
    const again = await lab.nsrecipe(["--json", "confirm", "x"]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).already, true);
    assert.equal((await lab.nsrecipe(["undo", "x"])).code, 0);
    for (const args of [["confirm"], ["confirm", "x"]]) {
      const late = await lab.nsrecipe(args);
      assert.equal(late.code, EXIT.precondition, late.stdout);
      assert.match(late.stderr, /Run '.*' \(x\) was undone at \d\d:\d\d:\d\d: nothing to confirm/);
      assert.doesNotMatch(late.stdout, /it stays/);
    }
    assert.equal(await runState(lab, "x"), "undone");
  });
});

Deno.test("confirm --dry-run says what confirm would (the run, or the same refusal) and records nothing; times are local HH:MM:SS", async () => {
  await withLab(async (lab) => {
    const none = await lab.nsrecipe(["--dry-run", "confirm"]);
    const noneReal = await lab.nsrecipe(["confirm"]);
    assert.equal(none.code, EXIT.usage);
    assert.deepEqual([none.code, none.stderr], [noneReal.code, noneReal.stderr]);
    assert.match(none.stderr, /No run waits for confirmation/);
    const r = await lab.nsrecipe(["run", "netns", "--name", "c9", "--confirm", "60", "--", "true"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Confirm within 60 s \(by \d\d:\d\d:\d\d\)/);
    const id = /run (\S+) \(c9\)/.exec(r.stderr)?.[1] ?? /nsrecipe confirm (\S+)'/.exec(r.stderr)?.[1];
    assert.ok(id, r.stderr);
    const kinds = await journalKinds(lab);
    const dry = await lab.nsrecipe(["--dry-run", "confirm"]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(dry.stdout, `Dry run: would confirm run ${id} (c9); nothing recorded.\n`);
    assert.deepEqual(await journalKinds(lab), kinds, "the dry run recorded nothing");
    const status = (await lab.nsrecipe(["status", "c9"])).stdout;
    assert.match(status, /started: +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+ \(\d+ s ago\)/);
    assert.doesNotMatch(status, /\d{4}-\d\d-\d\dT\d\d|\.\d{3}Z/, "no UTC ISO time with milliseconds");
    assert.equal((await lab.nsrecipe(["confirm", "c9"])).code, 0);
    const again = await lab.nsrecipe(["--dry-run", "confirm", "c9"]);
    assert.equal(again.stdout, `Dry run: run ${id} (c9) is already confirmed: it stays; nothing recorded.\n`);
    const real = await lab.nsrecipe(["confirm", "c9"]);
    assert.match(
      real.stdout,
      new RegExp(`Run ${id} \\(c9\\) was already confirmed at \\d\\d:\\d\\d:\\d\\d: it stays\\.`),
    );
    const withoutWindow = await lab.nsrecipe(["run", "netns", "--name", "c10"]);
    assert.equal(withoutWindow.code, 0, withoutWindow.stderr);
    const dryNo = await lab.nsrecipe(["--dry-run", "confirm", "c10"]);
    const realNo = await lab.nsrecipe(["confirm", "c10"]);
    assert.deepEqual([dryNo.code, dryNo.stderr], [realNo.code, realNo.stderr]);
    assert.match(dryNo.stderr, /was applied without a confirmation window: nothing to confirm/);
  });
});

import assert from "node:assert/strict";
import { DEFAULT_STATE_DIR, JOURNAL_FILE } from "../../src/journal/paths.ts";
import { type TestLab, withLab } from "../support/lab.ts";
import { onTty, TtySession } from "../support/tty.ts";
import { waitFor } from "../support/wait.ts";
import { holdJournalLock, wholeLines } from "../support/watchdog_journal.ts";
import { EXIT } from "../../src/errors.ts";
import { FAULT_ARMING, FAULT_ENV } from "../../src/engine/mod.ts";

const MIGRATE = ["run", "full-migrate", "--name", "t", "--address", "198.51.100.50/24"];

/** The journal's confirmation record (run-confirmed or confirm-expired) as JSON, and its line in the text journal. */
async function confirmationRecord(lab: TestLab): Promise<{ json: Record<string, unknown>; line: string }> {
  const records = JSON.parse((await lab.nsrecipe(["--json", "journal"])).stdout).records as Record<string, unknown>[];
  const json = records.findLast((r) => r.kind === "run-confirmed" || r.kind === "confirm-expired")!;
  assert.ok(json, "a confirmation record");
  const line = (await lab.nsrecipe(["journal"])).stdout.split("\n").find((l) => /confirmed|undoing/.test(l)) ?? "";
  const signal = json.signal === undefined ? {} : { signal: json.signal };
  return { json: { kind: json.kind, by: json.by, how: json.how, ...signal }, line };
}

async function kinds(lab: TestLab): Promise<string[]> {
  return (JSON.parse((await lab.nsrecipe(["--json", "journal"])).stdout).records as { kind: string }[]).map((r) =>
    r.kind
  );
}

/**
 * The journal's records as they are on disk (read through the lab's root: no process, cheap enough to poll; its
 * whole lines only).
 */
async function journalRecords(lab: TestLab): Promise<{ kind: string; pid?: number; deadline?: number }[]> {
  return wholeLines(await lab.readFile(`${DEFAULT_STATE_DIR}/${JOURNAL_FILE}`) ?? "").map((l) => JSON.parse(l));
}

/** PID of the run's nsrecipe process (in the lab's PID namespace), as its `run-begin` record gives it. */
async function runPid(lab: TestLab): Promise<string> {
  const pid = (await journalRecords(lab)).find((x) => x.kind === "run-begin")?.pid;
  assert.ok(pid, "the run-begin record names the run's PID");
  return String(pid);
}

Deno.test("full-migrate on a TTY asks for confirmation; typing yes keeps the change", async () => {
  await withLab(async (lab) => {
    const r = await onTty(
      lab,
      ["run", "full-migrate", "--name", "t", "--address", "198.51.100.50/24", "--", "true"],
      "yes\n",
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Keep this change\? Type 'yes' within 120 s \(anything else, or Ctrl-C, undoes it now\)/);
    assert.match(r.stdout, /Confirmed run .* \(t\): it stays/);
    const rec = await confirmationRecord(lab);
    assert.deepEqual(rec.json, { kind: "run-confirmed", by: "tty", how: undefined });
    assert.match(rec.line, /confirmed \(yes typed at the prompt\)/);
    assert.match(
      (await lab.nsrecipe(["status", "t"])).stdout,
      /confirmed at \d\d:\d\d:\d\d \(yes typed at the prompt\)/,
    );
    assert.match((await lab.sh(["ip", "-br", "link", "show", "dev", "br0"])).stdout, /br0/);
  });
});

Deno.test("on a TTY, no answer within --confirm: the run is reverted and run exits 4", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const r = await onTty(lab, [
      "run",
      "full-migrate",
      "--name",
      "t",
      "--address",
      "198.51.100.50/24",
      "--confirm",
      "1",
      "--",
      "true",
    ], "");
    // The prompt and the watchdog share the deadline: whichever takes the lock first undoes it, and the
    // prompt says which. The prompt's timer usually ends the wait first; when the journal already says the
    // watchdog is undoing it (the prompt reads it every 250 ms), the prompt says that instead.
    assert.match(
      r.stdout,
      /No answer in time: undoing run \S+ now|The window closed and run \S+ is being undone; waiting for it/,
    );
    assert.match(r.stdout, /Run .* was (undone: the host is as it was before the run|already undone by another)/);
    assert.equal(r.code, 4);
    await waitFor("the run to be closed", async () => (await journalRecords(lab)).at(-1)?.kind === "run-end");
    assert.deepEqual(await lab.snapshot(), before);
  });
});

Deno.test("on a TTY, an answer other than yes (a stray Enter too) undoes the run at once", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const r = await onTty(
      lab,
      ["run", "full-migrate", "--name", "t", "--address", "198.51.100.50/24", "--", "true"],
      "\n",
    );
    assert.equal(r.code, 4, r.stdout);
    assert.match(r.stdout, /Not confirmed: undoing run .* now/);
    const rec = await confirmationRecord(lab);
    assert.deepEqual(rec.json, { kind: "confirm-expired", by: undefined, how: "prompt-no" });
    assert.match(rec.line, /refused at the prompt: undoing/);
    assert.deepEqual(await lab.snapshot(), before);
  });
});

Deno.test("on a TTY, 'nsrecipe confirm' from another shell ends the prompt: it says so, exits 0, the run stays", async () => {
  await withLab(async (lab) => {
    const tty = TtySession.start(lab, [...MIGRATE, "--confirm", "60", "--", "true"]);
    await tty.prompted();
    const other = await lab.nsrecipe(["confirm"]);
    assert.equal(other.code, 0, other.stderr);
    const r = await tty.finish();
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /Confirmed from another session: run .* stays\./);
    assert.doesNotMatch(r.output, /undoing|was undone/i);
    const k = await kinds(lab);
    assert.deepEqual(k.slice(k.indexOf("confirm-wait")), ["confirm-wait", "run-confirmed"]);
    assert.match((await lab.sh(["ip", "-br", "link", "show", "dev", "br0"])).stdout, /br0/);
  });
});

/** Types two lines and `exit` into the run's shell; both commands' outputs must appear (none swallowed). */
async function shellGetsEveryLine(tty: TtySession): Promise<void> {
  await tty.type("echo one-$((6*7))\n");
  await tty.type("echo two-$((7*7))\n");
  await tty.type("exit\n");
  const r = await tty.finish();
  assert.equal(r.code, 0, r.output);
  // The terminal echoes the typed lines as `$((…))`: only the shell's evaluation prints 42 and 49. Lines typed
  // before the shell has printed its prompt are echoed before it, and then their output follows that prompt on
  // its line: the output ends a line, whatever precedes it.
  assert.match(r.output, /one-42\r?$/m, r.output);
  assert.match(r.output, /two-49\r?$/m, r.output);
}

Deno.test("on a TTY, after 'nsrecipe confirm' from another shell, the run's shell gets every line typed (none read by the ended prompt)", async () => {
  await withLab(async (lab) => {
    const tty = TtySession.start(lab, [...MIGRATE, "--confirm", "60"]);
    await tty.prompted();
    assert.equal((await lab.nsrecipe(["confirm"])).code, 0);
    // Printed once the prompt's reader is gone: from here on only the shell may read the terminal.
    await waitFor(
      "the prompt to end",
      () => Promise.resolve(/Confirmed from another session/.test(tty.output)),
      60_000,
    );
    await shellGetsEveryLine(tty);
  });
});

Deno.test("on a TTY, lines typed right after 'yes' reach the run's shell, not the prompt", async () => {
  await withLab(async (lab) => {
    const tty = TtySession.start(lab, [...MIGRATE, "--confirm", "60"]);
    await tty.prompted();
    await tty.type("yes\n");
    await shellGetsEveryLine(tty);
    assert.match(tty.output, /Confirmed run .* \(t\): it stays/);
  });
});

Deno.test("on a TTY, 'nsrecipe undo' from another shell ends the prompt: it says the change is gone, exits 4", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const tty = TtySession.start(lab, [...MIGRATE, "--confirm", "60", "--", "true"]);
    await tty.prompted();
    assert.equal((await lab.nsrecipe(["undo", "t"])).code, 0);
    const r = await tty.finish();
    assert.equal(r.code, EXIT.rolledBack, r.output);
    assert.match(
      r.output,
      /Run .* was undone by another nsrecipe process meanwhile .*: the change is no longer in place/,
    );
    assert.deepEqual(await lab.snapshot(), before);
  });
});

Deno.test("on a TTY, a prompt frozen past the deadline reports the watchdog's revert as the journal records it", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    // The window leaves room to stop nsrecipe before its deadline on a loaded machine; the watchdog then
    // reverts at that deadline. Under a shell, nsrecipe's stop and continue stay between it and that shell.
    const tty = TtySession.start(lab, [...MIGRATE, "--confirm", "8", "--", "true"], {}, { underShell: true });
    await tty.prompted();
    const pid = await runPid(lab);
    assert.equal((await lab.sh(["kill", "-STOP", pid])).code, 0);
    try {
      const deadline = (await journalRecords(lab)).find((x) => x.kind === "confirm-wait")?.deadline;
      assert.ok(deadline, "the confirm-wait record gives the deadline");
      assert.ok(Date.now() < deadline, "nsrecipe was stopped before its deadline (else its own prompt acted)");
      await waitFor(
        "the watchdog's revert",
        async () => (await journalRecords(lab)).at(-1)?.kind === "run-end",
        30_000,
      );
    } finally {
      await lab.sh(["kill", "-CONT", pid]);
    }
    const r = await tty.finish();
    assert.equal(r.code, EXIT.rolledBack, r.output);
    assert.match(
      r.output,
      /Run \S+ was (already undone by another nsrecipe process|undone by another nsrecipe process meanwhile)/,
    );
    assert.doesNotMatch(r.output, /Run \S+ was undone: the host/);
    assert.deepEqual(await lab.snapshot(), before);
  });
});

Deno.test("on a TTY, Ctrl-C at the prompt means no: the run is undone at once, it says so, exits 4", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const tty = TtySession.start(lab, [...MIGRATE, "--confirm", "60", "--", "true"]);
    await tty.prompted();
    await tty.type("\x03");
    const r = await tty.finish();
    assert.equal(r.code, EXIT.rolledBack, r.output);
    assert.match(r.output, /Interrupted \(SIGINT\): not confirmed: undoing run .* now\./);
    assert.match(r.output, /Run .* was undone: the host is as it was before the run\./);
    const k = await kinds(lab);
    assert.deepEqual([k.at(-1), k.includes("confirm-expired")], ["run-end", true]);
    const rec = await confirmationRecord(lab);
    assert.deepEqual(rec.json, { kind: "confirm-expired", by: undefined, how: "prompt-interrupt", signal: "SIGINT" });
    assert.match(rec.line, /interrupted at the prompt \(SIGINT\): undoing/);
    assert.deepEqual(await lab.snapshot(), before);
  });
});

Deno.test("on a TTY, Ctrl-C the moment the prompt shows already means no: nsrecipe listens before it asks", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    // nsrecipe stops itself right after writing the prompt (the fault hook's stop@prompt:0); a SIGINT sent while
    // it is stopped is delivered the moment it goes on, i.e. exactly there. Under a shell, so that the stop
    // stays between nsrecipe and that shell (see TtySession.start); the SIGINT goes to nsrecipe alone, as
    // the terminal's Ctrl-C would (that shell would take it too).
    const tty = TtySession.start(
      lab,
      [...MIGRATE, "--confirm", "60", "--", "true"],
      { [FAULT_ENV]: `${FAULT_ARMING}stop@prompt:0` },
      { underShell: true },
    );
    await tty.prompted();
    const pid = await runPid(lab);
    await waitFor("nsrecipe to stop at its prompt", async () => {
      return (await lab.sh(["ps", "-o", "stat=", "-p", pid])).stdout.trim().startsWith("T");
    });
    assert.equal((await lab.sh(["kill", "-INT", pid])).code, 0);
    assert.equal((await lab.sh(["kill", "-CONT", pid])).code, 0);
    const r = await tty.finish();
    assert.equal(r.code, EXIT.rolledBack, r.output);
    assert.match(r.output, /Interrupted \(SIGINT\): not confirmed: undoing run \S+ now\./);
    assert.match(r.output, /Run \S+ was undone: the host is as it was before the run\./);
    assert.deepEqual(await lab.snapshot(), before);
  });
});

Deno.test("on a TTY, Ctrl-C pressed again while the undo runs does not cut it short", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const tty = TtySession.start(lab, [...MIGRATE, "--confirm", "60", "--", "true"]);
    await tty.prompted();
    const pid = await runPid(lab);
    // The undo takes the journal's lock once the terminal's signal keys are off: holding the lock holds the
    // undo there, so the keys below are pressed while it runs, not before it or after it has ended.
    const lock = await holdJournalLock(lab);
    try {
      await tty.type("\x03");
      await tty.expect(/Interrupted \(SIGINT\): not confirmed: undoing run \S+ now\./, "the undo to start");
      await tty.expect("Waiting for another nsrecipe process to finish", "the undo to wait for the lock");
      await tty.type("\x03\x03");
      // Taken as input, not as signals (those would leave nothing to read): the terminal's ISIG is off.
      await waitFor(
        "the two Ctrl-C to be read by the terminal as plain input",
        async () => (await lab.sh(["bash", "-c", `read -t 0 < /proc/${pid}/fd/0`])).code === 0,
        30_000,
      );
    } finally {
      await lock.release();
    }
    const r = await tty.finish();
    assert.equal(r.code, EXIT.rolledBack, r.output);
    assert.match(r.output, /Run .* was undone: the host is as it was before the run\./);
    assert.deepEqual(await lab.snapshot(), before);
  });
});

/**
 * The lab's processes that read the prompt's answer (`head -n 1`, src/exec/runner.ts `readLine`), as ps(1) inside
 * the lab lists them: `PID PPID STAT`.
 */
async function answerReaders(lab: TestLab): Promise<string[]> {
  const ps = await lab.sh(["ps", "-eo", "pid=,ppid=,stat=,args="]);
  assert.equal(ps.code, 0, ps.stderr);
  return ps.stdout.split("\n").filter((l) => /\bhead -n 1\s*$|\[head\]/.test(l)).map((l) => l.trim());
}

/**
 * A stop signal sent to nsrecipe (by PID) while its prompt waits: the run is undone at once, with the signal named
 * on the terminal and in the journal, exit 4; the answer's reader, seen running under nsrecipe, is gone.
 */
async function signalAtPrompt(signal: "SIGTERM" | "SIGHUP", says: RegExp, recordLine: RegExp): Promise<void> {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const tty = TtySession.start(lab, [...MIGRATE, "--confirm", "60", "--", "true"]);
    await tty.prompted();
    const pid = await runPid(lab);
    let reader = "";
    await waitFor("the answer's reader to run under nsrecipe", async () => {
      const mine = (await answerReaders(lab)).filter((l) => l.split(/\s+/)[1] === pid);
      reader = mine.length === 1 ? mine[0].split(/\s+/)[0] : "";
      return reader !== "";
    });
    assert.equal((await lab.sh(["kill", `-${signal.slice(3)}`, pid])).code, 0);
    const r = await tty.finish();
    assert.equal(r.code, EXIT.rolledBack, r.output);
    assert.match(r.output, says);
    assert.match(r.output, /Run \S+ was undone: the host is as it was before the run\./);
    const rec = await confirmationRecord(lab);
    assert.deepEqual(rec.json, { kind: "confirm-expired", by: undefined, how: "prompt-interrupt", signal });
    assert.match(rec.line, recordLine);
    assert.deepEqual(await answerReaders(lab), []);
    assert.equal((await lab.sh(["test", "-e", `/proc/${reader}`])).code, 1, `reader ${reader} is gone`);
    assert.deepEqual(await lab.snapshot(), before);
  });
}

Deno.test("on a TTY, SIGTERM at the prompt means no, as Ctrl-C does: undone at once, said, recorded, exits 4", async () => {
  await signalAtPrompt(
    "SIGTERM",
    /Interrupted \(SIGTERM\): not confirmed: undoing run \S+ now\./,
    /interrupted at the prompt \(SIGTERM\): undoing/,
  );
});

Deno.test("on a TTY, SIGHUP at the prompt (the terminal hung up): nobody can answer, so the run is undone at once", async () => {
  await signalAtPrompt(
    "SIGHUP",
    /Interrupted \(SIGHUP, the terminal hung up\): not confirmed: undoing run \S+ now\./,
    /interrupted at the prompt \(SIGHUP, the terminal hung up\): undoing/,
  );
});

Deno.test("on a TTY, a hangup the moment the prompt shows already undoes: nsrecipe listens for it before it asks", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    // hold1@prompt:0 stops nsrecipe right after the prompt is written, and once continued waits until the SIGHUP
    // sent meanwhile reached its listeners (src/engine/faults.ts): before the answer's reader is started.
    const tty = TtySession.start(
      lab,
      [...MIGRATE, "--confirm", "60", "--", "true"],
      { [FAULT_ENV]: `${FAULT_ARMING}hold1@prompt:0` },
      { underShell: true },
    );
    await tty.prompted();
    const pid = await runPid(lab);
    await waitFor("nsrecipe to stop at its prompt", async () => {
      return (await lab.sh(["ps", "-o", "stat=", "-p", pid])).stdout.trim().startsWith("T");
    });
    assert.equal((await lab.sh(["kill", "-HUP", pid])).code, 0);
    assert.equal((await lab.sh(["kill", "-CONT", pid])).code, 0);
    const r = await tty.finish();
    assert.equal(r.code, EXIT.rolledBack, r.output);
    assert.match(r.output, /Interrupted \(SIGHUP, the terminal hung up\): not confirmed: undoing run \S+ now\./);
    assert.equal((await confirmationRecord(lab)).json.signal, "SIGHUP");
    assert.deepEqual(await answerReaders(lab), []);
    assert.deepEqual(await lab.snapshot(), before);
  });
});

Deno.test("on a TTY, SIGTERM again while the prompt's undo runs is ignored, with a line; the undo completes", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const tty = TtySession.start(lab, [...MIGRATE, "--confirm", "60", "--", "true"]);
    await tty.prompted();
    const pid = await runPid(lab);
    // Holding the journal's lock holds the undo before its first step: the second SIGTERM comes while it runs.
    const lock = await holdJournalLock(lab);
    try {
      assert.equal((await lab.sh(["kill", "-TERM", pid])).code, 0);
      await tty.expect(/Interrupted \(SIGTERM\): not confirmed: undoing run \S+ now\./, "the undo to start");
      await tty.expect("Waiting for another nsrecipe process to finish", "the undo to wait for the lock");
      assert.equal((await lab.sh(["kill", "-TERM", pid])).code, 0);
      await tty.expect(/SIGTERM ignored: the undo of run \S+ goes on to the end/, "the second SIGTERM's line");
    } finally {
      await lock.release();
    }
    const r = await tty.finish();
    assert.equal(r.code, EXIT.rolledBack, r.output);
    assert.match(r.output, /Run \S+ was undone: the host is as it was before the run\./);
    assert.deepEqual(await lab.snapshot(), before);
  });
});

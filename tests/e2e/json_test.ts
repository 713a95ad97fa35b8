import assert from "node:assert/strict";
import type { ExecResult } from "../../src/exec/mod.ts";
import { withLab } from "../support/lab.ts";
import { onTty } from "../support/tty.ts";

/** The one JSON document on stdout (JSON.parse fails on anything else, e.g. a command's output or a second document). */
function doc(r: ExecResult): Record<string, any> {
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`stdout is not one JSON document:\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
}

Deno.test("--json run -- CMD: stdout is one document; the command's output goes to stderr; its exit code is marked as its own", async () => {
  await withLab(async (lab) => {
    const r = await lab.nsrecipe(["--json", "run", "netns", "--name", "j1", "--", "sh", "-c", "echo hi; exit 3"]);
    assert.equal(r.code, 3, r.stderr);
    const d = doc(r);
    assert.equal(d.ok, true);
    assert.equal(d.exitCode, 3);
    assert.equal(d.exitFrom, "command");
    assert.deepEqual(d.command, { argv: ["sh", "-c", "echo hi; exit 3"], exitCode: 3 });
    assert.equal(d.label, "j1");
    assert.equal(d.confirmation, null, "no window: confirmation is null");
    assert.equal("confirmSeconds" in d, false, "the window has one name, confirmation");
    assert.match(r.stderr, /^hi$/m);
    const zero = await lab.nsrecipe(["--json", "run", "veth-bridge", "--name", "j2", "--", "ip", "-br", "link"]);
    assert.equal(zero.code, 0, zero.stderr);
    assert.equal(doc(zero).exitFrom, "command");
    assert.match(zero.stderr, /^eth0@/m);
  });
});

Deno.test("--json errors: stdout is one document with ok false, the exit code, the error's kind, message and hint", async () => {
  await withLab(async (lab) => {
    assert.equal((await lab.nsrecipe(["run", "netns", "--name", "taken"])).code, 0);
    const cases: [string[], number, string, RegExp][] = [
      [["--json", "run", "netns", "--name", "taken", "--", "true"], 3, "PreconditionError", /already exists/],
      [["--json", "run", "netns", "--name", "a/b"], 2, "UsageError", /--name/],
      [["--json", "undo", "nosuch"], 2, "UsageError", /nosuch/],
      [["--json", "run", "netns", "ping", "--", "true"], 2, "UsageError", /Unexpected word 'ping'/],
      [["--json", "stauts"], 2, "UsageError", /^Unknown command 'stauts'/],
      [["--json"], 2, "UsageError", /No command given/],
    ];
    for (const [args, code, kind, message] of cases) {
      const r = await lab.nsrecipe(args);
      assert.equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
      const d = doc(r);
      assert.equal(d.ok, false, args.join(" "));
      assert.equal(d.exitCode, code);
      assert.equal(d.exitFrom, "nsrecipe");
      assert.equal(d.error.kind, kind, args.join(" "));
      assert.match(d.error.message, message);
      assert.equal(typeof d.error.hint, "string");
      assert.match(r.stderr, /^nsrecipe: /m, "humans still read the error on stderr");
    }
  });
});

Deno.test("--json: every read-only subcommand and --dry-run undo print exactly one document", async () => {
  await withLab(async (lab) => {
    assert.equal((await lab.nsrecipe(["run", "netns", "--name", "d1"])).code, 0);
    for (const args of [["list"], ["show", "netns"], ["plan", "netns", "--name", "x"], ["status"], ["journal"]]) {
      const r = await lab.nsrecipe(["--json", ...args]);
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
      assert.equal(doc(r).ok, true, args.join(" "));
    }
    const dry = await lab.nsrecipe(["--json", "--dry-run", "undo"]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.deepEqual(doc(dry).wouldUndo.map((u: { label: string }) => u.label), ["d1"]);
    const doctor = await lab.nsrecipe(["--json", "doctor"]);
    assert.equal(doc(doctor).exitCode, doctor.code);
  });
});

Deno.test("--json on a TTY without a command only sets up (no shell writing to stdout)", async () => {
  await withLab(async (lab) => {
    const r = await onTty(lab, ["--json", "run", "netns", "--name", "t"], "exit 9\n");
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /"exitFrom": "nsrecipe"/);
    assert.match((await lab.sh(["ip", "netns", "list"])).stdout, /^t\b/m);
  });
});

Deno.test("colour follows each stream: doctor redirected to a file on a TTY writes no escape codes there", async () => {
  await withLab(async (lab) => {
    const file = "/run/doctor-out.txt";
    const r = await lab.sh([
      "script",
      "-qec",
      `${(await import("../../src/lab/mod.ts")).selfArgv().map((a) => `'${a}'`).join(" ")} doctor > ${file}`,
      "/dev/null",
    ]);
    const text = (await lab.sh(["cat", file])).stdout;
    assert.match(text, /ip/, r.stdout);
    assert.ok(!text.includes("\x1b["), text);
    // On the terminal itself (stderr here) colours stay: the summary line is painted when something fails or warns.
  });
});

Deno.test("--json with --version gives the version as a document; with help, man or completions it is refused (exit 2, one document)", async () => {
  await withLab(async (lab) => {
    for (const args of [["--json", "--version"], ["--json", "-V"], ["-V", "--json"]]) {
      const r = await lab.nsrecipe(args);
      assert.equal(r.code, 0, args.join(" "));
      const d = doc(r);
      assert.equal(d.ok, true);
      assert.equal(d.version, JSON.parse(await Deno.readTextFile("deno.json")).version);
    }
    for (
      const [args, what] of [
        [["--json", "help"], "'help'"],
        [["--json", "man"], "'man'"],
        [["--json", "completions", "bash"], "'completions'"],
        [["--json", "--help"], "--help"],
        [["--json", "run", "netns", "-h"], "--help"],
      ] as const
    ) {
      const r = await lab.nsrecipe([...args]);
      assert.equal(r.code, 2, args.join(" "));
      const d = doc(r);
      assert.equal(d.ok, false);
      assert.equal(d.error.message, `--json does not apply to ${what}: it prints text, not data`);
    }
  });
});

Deno.test("--json names one fact the same way in run, status, confirm and undo: the run id is `run`, the window is one `confirmation` object, a step is { index, step, summary }", async () => {
  await withLab(async (lab) => {
    const run = doc(await lab.nsrecipe(["--json", "run", "netns", "--name", "jn", "--confirm", "300", "--", "true"]));
    assert.match(run.run, /^\d{8}T\d{6}-[0-9a-f]{4}$/);
    assert.equal(run.label, "jn");
    assert.equal(run.confirmation.state, "waiting");
    assert.equal("confirmSeconds" in run, false, "the window has one name, confirmation");
    const before = doc(await lab.nsrecipe(["--json", "status", "jn"])).runs[0];
    assert.equal(before.run, run.run, "status names the run id `run`, as run does");
    assert.equal("id" in before, false);
    assert.deepEqual(Object.keys(before.confirmation), Object.keys(run.confirmation));
    assert.equal(before.confirmation.deadline, run.confirmation.deadline);
    assert.deepEqual(before.steps[0], { index: 0, step: 1, summary: "create network namespace 'jn'", state: "done" });

    const confirmed = doc(await lab.nsrecipe(["--json", "confirm", "jn"]));
    assert.equal(confirmed.run, run.run, "confirm names the run id `run`");
    assert.equal(confirmed.label, "jn");
    assert.equal(confirmed.already, false);
    assert.equal("confirmed" in confirmed, false);
    assert.equal(confirmed.confirmation.state, "confirmed");
    assert.equal(confirmed.confirmation.how, "command");
    assert.equal(confirmed.confirmation.deadline, run.confirmation.deadline);
    assert.equal(
      confirmed.confirmation.inSeconds,
      null,
      "a kept window no longer counts down (0 would read as expired)",
    );
    const again = doc(await lab.nsrecipe(["--json", "confirm", "jn"]));
    assert.equal(again.already, true);
    assert.deepEqual(again.confirmation, confirmed.confirmation, "the same object, the same when and how");
    const after = doc(await lab.nsrecipe(["--json", "status", "jn"])).runs[0];
    assert.deepEqual(after.confirmation, confirmed.confirmation, "status and confirm give the same window");

    const undo = doc(await lab.nsrecipe(["--json", "undo", "jn"]));
    assert.equal(undo.undone.length, 1);
    assert.equal(undo.undone[0].run, run.run, "undo names the run id `run`");
    assert.equal(undo.undone[0].label, "jn");
    const steps = undo.undone[0].steps as { index: number; step: number; summary: string; run: string; how: string }[];
    assert.equal(steps.length, before.steps.length);
    for (const s of steps) {
      const shown = before.steps.find((b: { index: number }) => b.index === s.index);
      assert.ok(shown, `step ${s.index} is one of status's`);
      assert.equal(s.step, s.index + 1);
      assert.equal(s.summary, shown.summary, "undo names a step as status does");
      assert.equal(s.run, run.run);
    }
  });
});

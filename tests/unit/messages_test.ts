import assert from "node:assert/strict";
import { fullMigrate } from "../../recipes/full_migrate.ts";
import { vethBridge as veth } from "../../recipes/veth_bridge.ts";
import { describeRecord, journalLines, runEndText } from "../../src/cli/journal.ts";
import { issueMessage, parseRecipeParams } from "../../src/cli/recipe_options.ts";
import { refuseInapplicable } from "../../src/cli/run_rules.ts";
import { exampleArgv } from "../../src/cli/show.ts";
import { UsageError } from "../../src/errors.ts";
import type { JournalRecord } from "../../src/journal/mod.ts";
import type { Step } from "../../src/steps/mod.ts";
import { processList } from "../../src/steps/netns_add.ts";

Deno.test("issueMessage says what was given and what is accepted, in nsrecipe's words", () => {
  const accepted = "MTU of the veth pair in bytes";
  assert.equal(
    issueMessage({ code: "invalid_type", message: "x", expected: "string" }, "--address", undefined, "a CIDR"),
    "--address is required; it takes: a CIDR",
  );
  assert.equal(
    issueMessage({ code: "invalid_type", message: "x", expected: "number" }, "--mtu", "abc", accepted),
    `--mtu: 'abc' is not a number; it takes: ${accepted}`,
  );
  assert.equal(
    issueMessage({ code: "too_small", message: "x", minimum: 68 }, "--mtu", "10", accepted),
    `--mtu: '10' is too small, the least accepted is 68; it takes: ${accepted}`,
  );
  assert.equal(
    issueMessage({ code: "invalid_type", message: "x", expected: "boolean" }, "'nat' in 'f.yaml'", "yes"),
    "'nat' in 'f.yaml' is a flag: true or false, not 'yes'",
  );
  assert.equal(
    issueMessage({ code: "invalid_type", message: "x", expected: "string" }, "'name' in 'f.yaml'", 42, "a name"),
    "'name' in 'f.yaml' must be text, not 42; it takes: a name",
  );
  assert.equal(
    issueMessage({ code: "custom", message: "The name 'a b' given to --name is not allowed" }, "--name", "a b"),
    "The name 'a b' given to --name is not allowed",
  );
});

Deno.test("parseRecipeParams names the file and key for a value from -f, the option for one from the command line", async () => {
  const yaml = () => "mtu: 12\n";
  await assert.rejects(
    () => parseRecipeParams(veth.params, { file: "w.yaml" }, yaml),
    (e) => e instanceof UsageError && /^'mtu' in 'w.yaml': 12 is too small, the least accepted is 68/.test(e.message),
  );
  await assert.rejects(
    () => parseRecipeParams(veth.params, { file: "w.yaml", mtu: "9" }, yaml),
    (e) => e instanceof UsageError && /^--mtu: '9' is too small/.test(e.message),
  );
});

Deno.test("show's example for full-migrate names its required --address", () => {
  assert.deepEqual(exampleArgv(fullMigrate), [
    "nsrecipe",
    "plan",
    "full-migrate",
    "--name",
    "lan",
    "--address",
    "198.51.100.50/24",
  ]);
});

Deno.test("refuseInapplicable: --confirm, --no-confirm and --rm on a plan without steps, and a run with nothing to do", () => {
  const base = { rm: false, shell: "/bin/sh" };
  assert.throws(() => refuseInapplicable("pid-only", 0, true, { ...base, confirm: 30 }), /--confirm does not apply/);
  assert.throws(() => refuseInapplicable("pid-only", 0, true, { ...base, confirm: 0 }), /--no-confirm does not apply/);
  assert.throws(
    () => refuseInapplicable("pid-only", 0, true, { ...base, rm: true, confirm: 5 }),
    /--confirm and --rm do/,
  );
  assert.throws(() => refuseInapplicable("pid-only", 0, false, base), /^UsageError: Nothing to do/);
  refuseInapplicable("pid-only", 0, true, base);
  refuseInapplicable("netns", 2, false, { ...base, confirm: 30 });
  refuseInapplicable("netns", 2, true, { ...base, rm: true });
  assert.throws(
    () => refuseInapplicable("netns", 2, false, { ...base, rm: true }),
    /^UsageError: --rm needs a command/,
  );
});

Deno.test("processList names each process by pid and command line, control characters escaped", () => {
  assert.equal(processList({ named: [[12, "sleep 1000"]], total: 1 }), "1 process: 12 (sleep 1000)");
  assert.equal(
    processList({ named: [[12, "a"], [13, "b\x1b[2J"]], total: 2 }),
    "2 processes: 12 (a), 13 (b\\x1b[2J)",
  );
  assert.equal(processList({ named: [[12, "a"]], total: 181 }), "181 processes: 12 (a) and 180 more");
});

Deno.test("journal lines: the run's name and the step's own summary, with its state", () => {
  const at = "2026-11-30T10:00:00.000Z";
  const records = [
    {
      v: 1,
      kind: "run-begin",
      run: "R1",
      at,
      recipe: "netns",
      label: "web",
      params: {},
      uses: [],
      handover: [],
      steps: [{ kind: "netns-add", netns: "web" }, { kind: "link-set-up", dev: "lo", netns: "web" }],
      bootId: "b",
    },
    { v: 1, kind: "step-intent", run: "R1", at, index: 1 },
    { v: 1, kind: "step-failed", run: "R1", at, index: 1, error: "RTNETLINK answers: No such device" },
    { v: 1, kind: "run-end", run: "R1", at, state: "rolled-back" },
  ] as unknown as JournalRecord[];
  const lines = journalLines(records);
  assert.equal(lines.length, 4);
  assert.match(lines[0], /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}web {2}run netns web: 2 steps \(run R1\)$/);
  assert.match(lines[1], / {2}web {2}\[2\/2\] bring link 'lo' up in 'web': starting$/);
  assert.match(lines[2], /\[2\/2\] bring link 'lo' up in 'web': FAILED: RTNETLINK answers: No such device$/);
  assert.match(lines[3], / {2}web {2}run rolled back: step 2 of 2 failed; every step done was undone$/);
  assert.equal(describeRecord(records[1]), "[2/?] step: starting");
});

Deno.test("journal: a step undo left alone (its object made again by someone else) is said so, with what undo found, not as already gone", () => {
  const at = "2026-12-01T02:53:49.000Z";
  const steps = [{ kind: "bridge-add", dev: "br0" }] as unknown as Step[];
  const found = "'br0' is another object (ifindex 9), not the one run R1 made (ifindex 5)";
  const left = { v: 1, kind: "step-undone", run: "R1", at, index: 0, how: "already-gone", leftAlone: found };
  assert.equal(
    describeRecord(left as unknown as JournalRecord, steps),
    `[1/1] create bridge 'br0' (STP off): left alone: ${found}`,
  );
  const gone = { ...left, leftAlone: undefined };
  assert.equal(
    describeRecord(gone as unknown as JournalRecord, steps),
    "[1/1] create bridge 'br0' (STP off): already gone",
  );
});

Deno.test("M1: a YAML number out of range (1e400, -.inf, .nan) is said as such, never as null", async () => {
  for (const [text, reads] of [["1e400", "Infinity"], ["-.inf", "-Infinity"], [".nan", "NaN"]]) {
    await assert.rejects(
      () => parseRecipeParams(veth.params, { file: "big.yaml" }, () => `mtu: ${text}\n`),
      (e) =>
        e instanceof UsageError &&
        e.message.startsWith(`'mtu' in 'big.yaml': the number given is out of range (it reads as ${reads})`) &&
        !/null/.test(e.message),
    );
  }
});

Deno.test("N18: journal's run-end lines say the state in words, and why a rollback happened as far as the records say", () => {
  const at = "2026-12-01T02:53:49.000Z";
  const steps = [{ kind: "netns-add", netns: "cc" }, { kind: "link-set-up", dev: "lo", netns: "cc" }];
  const begin = { v: 1, kind: "run-begin", run: "R2", at, recipe: "netns", label: "cc", params: {}, uses: [] };
  // Stopped (Ctrl-C) after the first step: no step-failed record, one step-done.
  const stopped = [
    { ...begin, handover: [], steps, bootId: "b" },
    { v: 1, kind: "step-intent", run: "R2", at, index: 0 },
    { v: 1, kind: "step-done", run: "R2", at, index: 0 },
    { v: 1, kind: "step-undone", run: "R2", at, index: 0, how: "reverted" },
    { v: 1, kind: "run-end", run: "R2", at, state: "rolled-back" },
  ] as unknown as JournalRecord[];
  assert.match(
    journalLines(stopped)[4],
    / {2}cc {2}run rolled back: stopped after 1 of 2 steps \(by a stop signal or a failed final check; no step failed\); every step done was undone$/,
  );
  assert.equal(
    runEndText("rolled-back", 5, { done: 3, failed: 3 }),
    "run rolled back: step 4 of 5 failed; every step done was undone",
  );
  assert.equal(runEndText("rolled-back", 0), "run rolled back; every step done was undone");
  assert.equal(runEndText("applied", 2), "run applied: every step done");
  assert.equal(runEndText("undone", 2), "run undone");
  assert.equal(
    runEndText("incomplete", 2),
    "run left incomplete: some steps could not be undone ('nsrecipe undo' tries again)",
  );
  assert.equal(runEndText("stale", 2), "run marked stale: the host rebooted since it was applied");
});

import assert from "node:assert/strict";
import { applyRun, type EngineDeps, faultHook } from "../../src/engine/mod.ts";
import { EXIT, InterruptedError } from "../../src/errors.ts";
import { recordingRunner } from "../../src/exec/mod.ts";
import { IpReader } from "../../src/host/mod.ts";
import type { Journal, JournalRecord, RecordBody } from "../../src/journal/mod.ts";
import type { Step } from "../../src/steps/mod.ts";

const KEYS = ["x.a", "x.b", "x.c", "x.d"];
const STEPS: Step[] = KEYS.map((key) => ({ kind: "sysctl-set", key, value: "1" }));

/**
 * A fake host of four sysctls driven through the real step kinds, whose stop request is raised (as the signal
 * listener of `run` would) when the step writing `raiseAt` runs its command.
 */
function setUp(raiseAt: string | undefined, raiseAtRunEnd = false) {
  const sysctls = new Map(KEYS.map((k) => [k, "0"]));
  let signal: Deno.Signal | undefined = raiseAt === undefined && !raiseAtRunEnd ? "SIGTERM" : undefined;
  const { run } = recordingRunner((argv) => {
    if (argv[0] !== "sysctl") return {};
    if (argv[1] === "-n") return { stdout: `${sysctls.get(argv[2])}\n` };
    const [key, value] = argv[2].split("=");
    if (key === raiseAt && value === "1") signal = "SIGINT";
    sysctls.set(key, value);
    return {};
  });
  const records: JournalRecord[] = [];
  const journal = {
    path: "/run/nsrecipe/journal.jsonl",
    append(body: RecordBody) {
      if (raiseAtRunEnd && body.kind === "run-end" && body.state === "applied") signal = "SIGHUP";
      records.push({ v: 1, at: "", ...body } as JournalRecord);
      return Promise.resolve();
    },
    read: () => Promise.resolve({ records, lines: records.map((_, i) => i + 1), problems: [] }),
  } as unknown as Journal;
  const deps: EngineDeps = {
    ctx: { run, ip: new IpReader(run), hostNetnsPath: "/proc/1/ns/net" },
    journal,
    bootId: "boot-1",
    log: () => {},
    fault: faultHook([], run),
    stopRequested: () => signal,
  };
  return { sysctls, records, deps };
}

const REQ = { id: "R1", recipe: "test", label: "t", params: {}, uses: [], handover: [], steps: STEPS };

for (const [raiseAt, done] of [["x.a", 1], ["x.b", 2], ["x.d", 4]] as const) {
  Deno.test(`applyRun: a stop asked during step ${done} of 4 finishes that step, rolls back all ${done} (exit 4)`, async () => {
    const { sysctls, records, deps } = setUp(raiseAt);
    const e = await applyRun(REQ, deps).then(() => undefined, (e) => e);
    assert.ok(e instanceof InterruptedError, String(e));
    assert.equal(e.exitCode, EXIT.rolledBack);
    assert.equal(e.signal, "SIGINT");
    assert.equal(e.stepsDone, done);
    assert.equal(
      e.message,
      `Run R1 was rolled back: the host is as it was (interrupted by SIGINT after step ${done} of 4)`,
    );
    // REQ gives no planLine: the recipe's name alone.
    assert.equal(e.hint, "Run the recipe again when ready ('nsrecipe plan test' shows its steps).");
    assert.deepEqual([...sysctls.values()], ["0", "0", "0", "0"]);
    const indices = (kind: string) => records.filter((r) => r.kind === kind).map((r) => "index" in r && r.index);
    const steps = [...Array(done).keys()];
    assert.deepEqual(indices("step-intent"), steps, "no step begun after the stop");
    assert.deepEqual(indices("step-done"), steps, "the step in progress was finished");
    assert.deepEqual(indices("step-undone"), steps.toReversed());
    assert.deepEqual(records.filter((r) => r.kind === "run-end").map((r) => "state" in r && r.state), ["rolled-back"]);
  });
}

Deno.test("applyRun: a stop asked before the first step changes nothing and closes the run rolled back", async () => {
  const { sysctls, records, deps } = setUp(undefined);
  const e = await applyRun({ ...REQ, planLine: "nsrecipe plan test --name t" }, deps).then(() => undefined, (e) => e);
  assert.ok(e instanceof InterruptedError, String(e));
  assert.equal(e.stepsDone, 0);
  assert.equal(e.hint, "Run the recipe again when ready ('nsrecipe plan test --name t' shows its steps).");
  assert.match(
    e.message,
    /^Run R1 was rolled back: .*\(interrupted by SIGTERM before its first step: nothing had changed\)$/,
  );
  assert.deepEqual([...sysctls.values()], ["0", "0", "0", "0"]);
  assert.deepEqual(records.map((r) => r.kind), ["run-begin", "run-end"]);
});

Deno.test("applyRun: a stop asked while the run's end is recorded undoes the whole run (exit 4)", async () => {
  const { sysctls, records, deps } = setUp(undefined, true);
  const planLine = "nsrecipe plan test --name t --confirm 30";
  const e = await applyRun({ ...REQ, planLine }, deps).then(() => undefined, (e) => e);
  assert.ok(e instanceof InterruptedError, String(e));
  assert.equal(e.exitCode, EXIT.rolledBack);
  assert.equal(e.message, "Run R1 was rolled back: the host is as it was (interrupted by SIGHUP after step 4 of 4)");
  assert.equal(e.hint, `Run the recipe again when ready ('${planLine}' shows its steps).`);
  assert.deepEqual([...sysctls.values()], ["0", "0", "0", "0"]);
  assert.deepEqual(records.filter((r) => r.kind === "step-undone").map((r) => "index" in r && r.index), [3, 2, 1, 0]);
  assert.deepEqual(records.filter((r) => r.kind === "run-end").map((r) => "state" in r && r.state), [
    "applied",
    "undone",
  ]);
});

import assert from "node:assert/strict";
import { applyRun, type EngineDeps, faultHook, undoRun } from "../../src/engine/mod.ts";
import { EXIT, NsrecipeError, StepError, UndoError } from "../../src/errors.ts";
import { recordingRunner } from "../../src/exec/mod.ts";
import { IpReader } from "../../src/host/mod.ts";
import {
  foldRuns,
  type Journal,
  type JournalRecord,
  JournalWriteError,
  type RecordBody,
} from "../../src/journal/mod.ts";
import type { Step } from "../../src/steps/mod.ts";

/** A fake host whose only state is three sysctls, driven through the real step kinds. */
function fakeHost() {
  const sysctls = new Map([["x.a", "0"], ["x.b", "0"], ["x.c", "0"]]);
  const { run } = recordingRunner((argv) => {
    if (argv[0] !== "sysctl") return {};
    if (argv[1] === "-n") return { stdout: `${sysctls.get(argv[2])}\n` };
    const [key, value] = argv[2].split("=");
    sysctls.set(key, value);
    return {};
  });
  return { sysctls, run };
}

/** A journal kept in memory whose appends fail by a rule. */
function fakeJournal(fails: (n: number) => boolean) {
  const records: JournalRecord[] = [];
  let n = 0;
  const journal = {
    path: "/run/nsrecipe/journal.jsonl",
    append(body: RecordBody): Promise<void> {
      n++;
      if (fails(n)) return Promise.reject(new JournalWriteError(this.path, "No space left on device (os error 28)"));
      records.push({ v: 1, at: "", ...body } as JournalRecord);
      return Promise.resolve();
    },
    read() {
      return Promise.resolve({ records, lines: records.map((_, i) => i + 1), problems: [] });
    },
  };
  return { journal: journal as unknown as Journal, records };
}

const STEPS: Step[] = ["x.a", "x.b", "x.c"].map((key) => ({ kind: "sysctl-set", key, value: "1" }));
const REQ = { recipe: "test", label: "t", params: {}, uses: [], handover: [], steps: STEPS };
/** Appends of a run that goes through: run-begin, intent and done per step, run-end. */
const APPENDS = 2 + 2 * STEPS.length;

function deps(run: ReturnType<typeof fakeHost>["run"], journal: Journal): EngineDeps {
  return {
    ctx: { run, ip: new IpReader(run), hostNetnsPath: "/proc/1/ns/net" },
    journal,
    bootId: "boot-1",
    log: () => {},
    fault: faultHook([], run),
  };
}

Deno.test("applyRun: a journal that stops accepting writes at any record never leaves a change on the host", async () => {
  for (let n = 1; n <= APPENDS; n++) {
    const host = fakeHost();
    const { journal, records } = fakeJournal((i) => i >= n);
    const e = await applyRun(REQ, deps(host.run, journal)).then(() => undefined, (e) => e);
    assert.deepEqual([...host.sysctls.values()], ["0", "0", "0"], `journal full from append ${n}: host restored`);
    if (n === 1) {
      assert.ok(e instanceof JournalWriteError, `append 1: ${e}`);
      assert.equal(e.exitCode, EXIT.precondition);
      assert.deepEqual(records, []);
    } else {
      assert.ok(e instanceof UndoError, `append ${n}: ${e}`);
      assert.equal(e.exitCode, EXIT.attention);
      assert.match(
        e.message,
        /reverted every step on the host, but the journal .* could not record it \(No space left/,
      );
      assert.match(e.hint, /Free space .* 'nsrecipe undo'/);
    }
  }
});

Deno.test("applyRun: a single journal write that fails mid-run is rolled back and recorded as such (exit 4)", async () => {
  for (let n = 2; n <= APPENDS; n++) {
    const host = fakeHost();
    const { journal, records } = fakeJournal((i) => i === n);
    const e = await applyRun(REQ, deps(host.run, journal)).then(() => undefined, (e) => e);
    assert.ok(e instanceof StepError, `append ${n}: ${e}`);
    assert.equal(e.exitCode, EXIT.rolledBack);
    assert.match(e.message, /the journal could not record it \(No space left on device/);
    assert.deepEqual([...host.sysctls.values()], ["0", "0", "0"]);
    const end = records.at(-1)!;
    assert.equal(end.kind === "run-end" && end.state, "rolled-back", `append ${n}`);
  }
});

Deno.test("applyRun then undoRun: a journal that fails during undo still reverts the host (exit 5); a later undo closes the run", async () => {
  const host = fakeHost();
  let full = false;
  const { journal, records } = fakeJournal(() => full);
  const d = deps(host.run, journal);
  await applyRun(REQ, d);
  assert.deepEqual([...host.sysctls.values()], ["1", "1", "1"]);
  full = true;
  let { runs } = foldRuns(await journal.read());
  const e = await undoRun(runs[0], runs, d).then(() => undefined, (e) => e);
  assert.ok(e instanceof UndoError && e.exitCode === EXIT.attention, String(e));
  assert.deepEqual([...host.sysctls.values()], ["0", "0", "0"], "the host is restored although nothing was recorded");
  full = false;
  runs = foldRuns(await journal.read()).runs;
  const report = await undoRun(runs[0], runs, d);
  assert.deepEqual(report.outcomes.map((o) => o.how), ["already-gone", "already-gone", "already-gone"]);
  const end = records.at(-1)!;
  assert.equal(end.kind === "run-end" && end.state, "undone");
});

Deno.test("every error the engine throws for a journal failure is an NsrecipeError (no internal error)", async () => {
  for (let n = 1; n <= APPENDS; n++) {
    const host = fakeHost();
    const { journal } = fakeJournal((i) => i % n === 0);
    const e = await applyRun(REQ, deps(host.run, journal)).then(() => undefined, (e) => e);
    assert.ok(e === undefined || e instanceof NsrecipeError, `pattern ${n}: ${e}`);
    if (e !== undefined) assert.deepEqual([...host.sysctls.values()], ["0", "0", "0"], `pattern ${n}`);
  }
});

/**
 * Kill at every step: nsrecipe is SIGKILLed (through the armed fault hook)
 * at each point of each step of each scenario, while applying, while undoing
 * and while rolling back; `undo` afterwards must exit 0 and leave the host
 * snapshot equal to the one taken before the run. One fresh lab per point.
 */
import assert from "node:assert/strict";
import { withLab } from "../support/lab.ts";
import {
  assertExit,
  assertNoNetnsLeft,
  assertSameHost,
  fault,
  journalOf,
  KILLED,
  planSummaries,
  SCENARIOS,
  sequence,
} from "../support/reliability.ts";
import type { TestLab } from "../support/lab.ts";

/** Undo must finish the job, the host equal to `before`, and a second undo must be a no-op. */
async function undoRestores(lab: TestLab, before: Awaited<ReturnType<TestLab["snapshot"]>>, what: string) {
  const undo = await lab.nsrecipe(["--json", "undo"]);
  assertExit(undo, 0, `${what}, then undo`);
  assertSameHost(await lab.snapshot(), before, `${what}, then undo`);
  await assertNoNetnsLeft(lab);
  const journal = await journalOf(lab);
  assert.deepEqual(journal.problems, [], "the journal reads cleanly");
  const ends = journal.records.filter((r) => r.kind === "run-end").map((r) => r.state);
  assert.ok(["undone", "rolled-back"].includes(ends.at(-1)!), `the run is closed: ${ends}`);
  const again = await lab.nsrecipe(["undo"]);
  assertExit(again, 0, "a second undo");
  assert.match(again.stdout, /Nothing to undo/);
}

for (const s of SCENARIOS) {
  const cmd = `run ${s.recipe} ${s.args.join(" ")}`;

  Deno.test(`${s.recipe}: SIGKILL after each step's write-ahead record, after its command, and after it is recorded done; undo restores the host`, async (t) => {
    const steps = await withLab((lab) => planSummaries(lab, s));
    assert.ok(steps.length > 0, "the scenario has steps");
    for (const phase of ["after-intent", "after-command", "after-done"] as const) {
      for (const [k, summary] of steps.entries()) {
        await t.step(`kill@${phase}:${k} (${summary})`, () =>
          withLab(async (lab) => {
            const before = await lab.snapshot();
            const run = await lab.nsrecipe(["run", s.recipe, ...s.args], fault(`kill@${phase}:${k}`));
            assertExit(run, KILLED, cmd);
            const journal = await journalOf(lab);
            assert.deepEqual(journal.problems, []);
            const seq = sequence(journal.records);
            assert.equal(seq.at(-1), phase === "after-done" ? `step-done#${k}` : `step-intent#${k}`);
            assert.ok(!seq.includes("run-end"), "the killed run has no end record");
            const status = await lab.nsrecipe(["--json", "status"]);
            assertExit(status, 0, "status");
            const [st] = JSON.parse(status.stdout).runs;
            assert.equal(st.state, "applying");
            assert.ok(st.notes.some((n: string) => /interrupted while applying/.test(n)), st.notes.join("\n"));
            await undoRestores(lab, before, `kill@${phase}:${k}`);
          }));
      }
    }
  });

  Deno.test(`${s.recipe}: SIGKILL during undo after each inverse ran and after it is recorded; undo again restores the host`, async (t) => {
    const steps = await withLab((lab) => planSummaries(lab, s));
    for (const phase of ["after-revert", "after-undo"] as const) {
      for (const [k, summary] of steps.entries()) {
        await t.step(`kill@${phase}:${k} (${summary})`, () =>
          withLab(async (lab) => {
            const before = await lab.snapshot();
            assertExit(await lab.nsrecipe(["run", s.recipe, ...s.args]), 0, cmd);
            const undo = await lab.nsrecipe(["undo"], fault(`kill@${phase}:${k}`));
            assertExit(undo, KILLED, "undo");
            const seq = sequence((await journalOf(lab)).records);
            // Undo goes newest first: the last record is this step's outcome, or the one before it.
            const last = phase === "after-undo"
              ? `step-undone#${k}`
              : k + 1 < steps.length
              ? `step-undone#${k + 1}`
              : "run-end";
            assert.equal(seq.at(-1), last, seq.join(" "));
            await undoRestores(lab, before, `undo killed at ${phase}:${k}`);
          }));
      }
    }
  });

  Deno.test(`${s.recipe}: SIGKILL during the rollback of a failed step; undo finishes it and restores the host`, async (t) => {
    const steps = await withLab((lab) => planSummaries(lab, s));
    for (const failing of steps.keys()) {
      for (let k = failing; k >= 0; k--) {
        await t.step(`fail@step:${failing} + kill@after-revert:${k}`, () =>
          withLab(async (lab) => {
            const before = await lab.snapshot();
            const run = await lab.nsrecipe(
              ["run", s.recipe, ...s.args],
              fault(`fail@step:${failing}`, `kill@after-revert:${k}`),
            );
            assertExit(run, KILLED, cmd);
            const seq = sequence((await journalOf(lab)).records);
            assert.ok(seq.includes(`step-failed#${failing}`), seq.join(" "));
            await undoRestores(lab, before, `rollback killed at after-revert:${k}`);
          }));
      }
    }
  });
}

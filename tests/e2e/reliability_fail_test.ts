/**
 * Fail at every step: step k fails (its command, or the check of its
 * effect) and the automatic rollback leaves the host exactly as before, with
 * exit code 4 and a journal that says what happened. An inverse that fails
 * gives exit code 5 and a run that a later undo finishes.
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { withLab } from "../support/lab.ts";
import {
  assertExit,
  assertNoNetnsLeft,
  assertSameHost,
  endState,
  fault,
  journalOf,
  planSummaries,
  SCENARIOS,
  sequence,
} from "../support/reliability.ts";

for (const s of SCENARIOS) {
  const cmd = `run ${s.recipe} ${s.args.join(" ")}`;

  Deno.test(`${s.recipe}: a step that fails (its command, or the check after it) is rolled back with every step before it: exit 4, host as before, journal says step-failed and rolled-back`, async (t) => {
    const steps = await withLab((lab) => planSummaries(lab, s));
    for (const phase of ["step", "after-command"] as const) {
      for (const [k, summary] of steps.entries()) {
        await t.step(`fail@${phase}:${k} (${summary})`, () =>
          withLab(async (lab) => {
            const before = await lab.snapshot();
            const run = await lab.nsrecipe(["run", s.recipe, ...s.args, "--", "true"], fault(`fail@${phase}:${k}`));
            assertExit(run, EXIT.rolledBack, cmd);
            assert.match(run.stderr, new RegExp(`Step ${k + 1} \\(.*\\) failed: .*injected failure`));
            assert.match(run.stderr, /Every step done before it was rolled back/);
            assertSameHost(await lab.snapshot(), before, `fail@${phase}:${k}`);
            await assertNoNetnsLeft(lab);
            const journal = await journalOf(lab);
            assert.deepEqual(journal.problems, []);
            const seq = sequence(journal.records);
            assert.ok(seq.includes(`step-failed#${k}`), seq.join(" "));
            assert.equal(seq.at(-1), "run-end");
            assert.equal(endState(journal.records), "rolled-back");
            // Every step that got a write-ahead record was reverted (or found never to have taken effect).
            const undone = seq.filter((x) => x.startsWith("step-undone#")).map((x) => Number(x.split("#")[1]));
            assert.deepEqual(undone, [...Array(k + 1).keys()].reverse());
            const status = await lab.nsrecipe(["status"]);
            assertExit(status, 0, "status");
            assert.match(status.stdout, /No applied runs/);
          }));
      }
    }
  });

  Deno.test(`${s.recipe}: an inverse step that fails during undo gives exit 5, keeps the run open, and a second undo finishes it`, async (t) => {
    const steps = await withLab((lab) => planSummaries(lab, s));
    for (const [k, summary] of steps.entries()) {
      await t.step(`fail@undo:${k} (${summary})`, () =>
        withLab(async (lab) => {
          const before = await lab.snapshot();
          assertExit(await lab.nsrecipe(["run", s.recipe, ...s.args]), 0, cmd);
          const undo = await lab.nsrecipe(["undo"], fault(`fail@undo:${k}`));
          assertExit(undo, EXIT.attention, "undo with a failing inverse");
          assert.match(undo.stderr, /could not revert 1 step\(s\)/);
          assert.ok(undo.stderr.includes(summary), undo.stderr);
          assert.match(undo.stderr, /run 'nsrecipe undo' again/);
          const journal = await journalOf(lab);
          const seq = sequence(journal.records);
          assert.ok(seq.includes(`step-undo-failed#${k}`), seq.join(" "));
          const status = JSON.parse((await lab.nsrecipe(["--json", "status"])).stdout);
          assert.equal(status.runs[0].state, "incomplete");
          assert.ok(status.runs[0].notes.some((n: string) => n.includes("undo failed")), status.runs[0].notes);
          const again = await lab.nsrecipe(["undo"]);
          assertExit(again, 0, "the second undo");
          assertSameHost(await lab.snapshot(), before, `fail@undo:${k}, then undo`);
          await assertNoNetnsLeft(lab);
        }));
    }
  });

  Deno.test(`${s.recipe}: a rollback that cannot revert a step gives exit 5 and names it; undo finishes the rollback`, async (t) => {
    const steps = await withLab((lab) => planSummaries(lab, s));
    for (let failing = 1; failing < steps.length; failing++) {
      for (let k = 0; k < failing; k++) {
        await t.step(`fail@step:${failing} + fail@undo:${k}`, () =>
          withLab(async (lab) => {
            const before = await lab.snapshot();
            const run = await lab.nsrecipe(
              ["run", s.recipe, ...s.args],
              fault(`fail@step:${failing}`, `fail@undo:${k}`),
            );
            assertExit(run, EXIT.attention, cmd);
            assert.match(run.stderr, /Rollback of run '.*' could not revert 1 step\(s\)/);
            assert.ok(run.stderr.includes(steps[k]), run.stderr);
            const journal = await journalOf(lab);
            assert.equal(endState(journal.records), "incomplete");
            assertExit(await lab.nsrecipe(["undo"]), 0, "undo after an incomplete rollback");
            assertSameHost(await lab.snapshot(), before, "incomplete rollback, then undo");
          }));
      }
    }
  });
}

Deno.test("the fault hook is off unless armed: a value without the arming prefix changes nothing, a malformed armed one is a usage error before any change", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const unarmed = await lab.nsrecipe(["run", "netns", "--name", "f1"], {
      NSRECIPE_TEST_FAULT: "kill@after-intent:0",
    });
    assertExit(unarmed, 0, "run with an unarmed fault");
    assertExit(await lab.nsrecipe(["undo"]), 0, "undo");
    assertSameHost(await lab.snapshot(), before, "run and undo");
    for (const bad of ["explode@step:0", "fail@after-done:0", "kill@step:x"]) {
      const r = await lab.nsrecipe(["run", "netns", "--name", "f2"], fault(bad));
      assertExit(r, EXIT.usage, `armed but malformed '${bad}'`);
      assert.match(r.stderr, /NSRECIPE_TEST_FAULT/);
      assertSameHost(await lab.snapshot(), before, `malformed fault '${bad}'`);
    }
  });
});

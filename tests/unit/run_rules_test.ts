import assert from "node:assert/strict";
import { confirmWindowSeconds, oneShotLabEnd } from "../../src/cli/run_rules.ts";
import { UsageError } from "../../src/errors.ts";

/** full-migrate's default window, and a recipe without one (netns). */
const MIGRATE: { confirmSeconds?: number } = { confirmSeconds: 120 };
const NETNS: { confirmSeconds?: number } = {};

Deno.test("confirmWindowSeconds: --confirm S, --no-confirm, else the recipe's default", () => {
  assert.equal(confirmWindowSeconds(MIGRATE, undefined), 120);
  assert.equal(confirmWindowSeconds(MIGRATE, 30), 30);
  assert.equal(confirmWindowSeconds(MIGRATE, 0), 0);
  assert.equal(confirmWindowSeconds(NETNS, undefined), 0);
  assert.equal(confirmWindowSeconds(NETNS, 45), 45);
});

Deno.test("confirmWindowSeconds in a one-shot lab: no window (the recipe's default dropped, --no-confirm kept), --confirm S refused (exit 2) with what to do", () => {
  assert.equal(confirmWindowSeconds(MIGRATE, undefined, true), 0);
  assert.equal(confirmWindowSeconds(MIGRATE, 0, true), 0);
  assert.equal(confirmWindowSeconds(NETNS, undefined, true), 0);
  for (const recipe of [MIGRATE, NETNS]) {
    assert.throws(
      () => confirmWindowSeconds(recipe, 30, true),
      (e) =>
        e instanceof UsageError && e.exitCode === 2 &&
        e.message ===
          "--confirm does not apply in a one-shot lab ('nsrecipe lab -- run …'): the run ends with the lab when this " +
            "command returns, so there would be nothing left to confirm; nothing was changed" &&
        e.hint ===
          "Leave out --confirm, or open the lab's shell ('nsrecipe lab' with no arguments) and run it there: its " +
            "window can then be confirmed with 'yes' or from a second shell (the banner's attach line).",
    );
  }
});

Deno.test("oneShotLabEnd: a run in a one-shot lab ends with it; one whose recipe would open a window says it has none", () => {
  assert.equal(
    oneShotLabEnd(MIGRATE, undefined),
    " It ends with this lab when this command returns, so it has no confirmation window: there will be nothing " +
      "left to confirm.",
  );
  assert.equal(oneShotLabEnd(MIGRATE, 0), " It ends with this lab.");
  assert.equal(oneShotLabEnd(NETNS, undefined), " It ends with this lab.");
});

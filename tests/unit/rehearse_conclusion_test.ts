/** P18: an interrupted rehearsal is not a failed one: its own words, exit 4, nothing said about the host. */
import assert from "node:assert/strict";
import { conclusion } from "../../src/cli/rehearse.ts";
import { EXIT } from "../../src/errors.ts";

const before = [{ name: "lab host reaches the gateway before the run", ok: true, detail: "198.51.100.1" }];
const asWas = [...before, { name: "the host is exactly as before", ok: true, detail: "" }];

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  Deno.test(`P18: a rehearsal interrupted by ${signal} says so, exit 4, no verdict`, () => {
    assert.deepEqual(conclusion({ pass: false, checks: asWas, interrupted: signal }), {
      line: `Rehearsal interrupted (${signal}): no verdict. Its run was rolled back in the lab.`,
      code: EXIT.rolledBack,
    });
  });
}

Deno.test("P18: a rehearsal that ran to its end still passes (0) or fails (3)", () => {
  assert.deepEqual(conclusion({ pass: true, checks: asWas }), { line: "Rehearsal passed.", code: EXIT.ok });
  assert.deepEqual(conclusion({ pass: false, checks: [...before, { name: "undo succeeds", ok: false, detail: "" }] }), {
    line: "Rehearsal FAILED: do not run this on the host as it is.",
    code: EXIT.precondition,
  });
});

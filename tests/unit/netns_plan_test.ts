import assert from "node:assert/strict";
import { netns } from "../../recipes/netns.ts";
import { pidOnly } from "../../recipes/pid_only.ts";
import { PreconditionError } from "../../src/errors.ts";
import { EMPTY_FACTS } from "../../src/host/mod.ts";
import { planCommands } from "../../src/steps/mod.ts";

Deno.test("plan() for pid-only has no steps and forks into a PID namespace with its own /proc", () => {
  const plan = pidOnly.plan({}, EMPTY_FACTS);
  assert.deepEqual(plan.steps, []);
  assert.deepEqual(plan.enter, ["unshare", "--fork", "--pid", "--mount-proc", "--kill-child", "--"]);
});

Deno.test("plan() for netns adds the namespace, then brings lo up inside it", () => {
  const plan = netns.plan(netns.params.parse({ name: "web" }), EMPTY_FACTS);
  assert.equal(plan.label, "web");
  assert.deepEqual(planCommands(plan.steps), [
    ["ip", "netns", "add", "web"],
    ["ip", "-n", "web", "link", "set", "dev", "lo", "up"],
  ]);
  assert.deepEqual(plan.enter.slice(0, 4), ["ip", "netns", "exec", "web"]);
});

Deno.test("plan() for netns defaults the name to nsr0", () => {
  assert.equal(netns.plan(netns.params.parse({}), EMPTY_FACTS).label, "nsr0");
});

Deno.test("plan() for netns refuses a live namespace of the same name", () => {
  const facts = { ...EMPTY_FACTS, netns: [{ name: "web", state: "live" as const }] };
  assert.throws(
    () => netns.plan({ name: "web" }, facts),
    (e) => e instanceof PreconditionError && /already exists/.test(e.message),
  );
});

Deno.test("plan() for netns names a stale /run/netns entry and how to remove it", () => {
  const facts = { ...EMPTY_FACTS, netns: [{ name: "web", state: "stale" as const }] };
  assert.throws(
    () => netns.plan({ name: "web" }, facts),
    (e) =>
      e instanceof PreconditionError && /stale namespace file/.test(e.message) && /rm \/run\/netns\/web/.test(e.hint),
  );
});

import assert from "node:assert/strict";
import { foldGone } from "../../src/engine/mod.ts";
import type { Step } from "../../src/steps/mod.ts";

/** veth-bridge's plan for `web` on a host without a bridge, as it records it (12 steps). */
const STEPS = [
  { kind: "netns-add", netns: "web" },
  { kind: "veth-add", dev: "veth-web", peer: "p-1456c9ab" },
  { kind: "link-set-netns", dev: "p-1456c9ab", netns: "web", newName: "eth0" },
  { kind: "bridge-add", dev: "br0" },
  { kind: "link-set-up", dev: "br0" },
  { kind: "addr-add", dev: "br0", addr: { family: "inet", local: "10.200.0.1", prefixlen: 24 } },
  { kind: "link-set-master", dev: "veth-web", master: "br0" },
  { kind: "link-set-up", dev: "veth-web" },
  { kind: "link-set-up", dev: "lo", netns: "web" },
  { kind: "link-set-up", dev: "eth0", netns: "web", waitCarrier: true },
  { kind: "addr-add", dev: "eth0", netns: "web", addr: { family: "inet", local: "10.200.0.2", prefixlen: 24 } },
  { kind: "route-add", netns: "web", route: { family: 4, dst: "default", via: "10.200.0.1", dev: "eth0" } },
] as Step[];

/** Every step but `except` found not in effect, each with the same words. */
const allBut = (...except: number[]) =>
  new Map(STEPS.map((_, i) => [i, "gone"] as const).filter(([i]) => !except.includes(i)));

Deno.test("foldGone: a namespace deleted by hand takes its veth (its other end was in it), that veth's port and up, and what was inside: one line, the rest named by step number", () => {
  const found = allBut(3, 4, 5); // the bridge and its steps are still there
  const { lines, steps } = foldGone({ steps: STEPS }, found, new Set(["netns:web", "link:veth-web"]));
  assert.deepEqual(lines, ["create network namespace 'web': gone; steps 2, 3 and 7–12 went with it"]);
  assert.deepEqual([...steps], [
    [0, { what: "gone" }],
    ...[1, 2, 6, 7, 8, 9, 10, 11].map((i) => [i, { with: 0 }]),
  ]);
});

Deno.test("foldGone: the bridge deleted takes its up, its address and the veth's port (their object); a step found not in effect whose object is still there keeps its own line", () => {
  const found = new Map([[3, "bridge 'br0' does not exist"], [4, "x"], [5, "y"], [6, "z"], [10, "not on 'eth0'"]]);
  const { lines } = foldGone({ steps: STEPS }, found, new Set(["link:br0"]));
  assert.deepEqual(lines, [
    "create bridge 'br0' (STP off): bridge 'br0' does not exist; steps 5–7 went with it",
    "add address 10.200.0.2/24 to 'eth0' in 'web': not on 'eth0'",
  ]);
});

Deno.test("foldGone: nothing folds under an object that is not gone (there, renamed, replaced or of unknown identity), nor into a step that is in effect", () => {
  // The namespace's step not in effect, but the namespace not recorded gone (e.g. a journal without identities).
  const noIdentity = foldGone({ steps: STEPS }, allBut(), new Set());
  assert.equal(noIdentity.lines.length, 12);
  assert.ok([...noIdentity.steps.values()].every((e) => "what" in e));
  // The veth gone while its namespace's step is in effect: its port and up fold into it, the namespace takes nothing.
  const veth = foldGone(
    { steps: STEPS },
    new Map([[1, "veth end 'veth-web' does not exist"], [6, "a"], [7, "b"]]),
    new Set(["netns:web", "link:veth-web"]),
  );
  assert.deepEqual(veth.lines, [
    "create veth pair 'veth-web' <-> 'p-1456c9ab': veth end 'veth-web' does not exist; steps 7 and 8 went with it",
  ]);
  // One step folded: "step N".
  const lo = foldGone({ steps: [STEPS[0], STEPS[8]] }, new Map([[0, "gone"], [1, "gone"]]), new Set(["netns:web"]));
  assert.deepEqual(lo.lines, ["create network namespace 'web': gone; step 2 went with it"]);
  // A veth whose other end no recorded step moved into the namespace does not go with it (veth(4)).
  const unmoved = foldGone({ steps: STEPS.slice(0, 2) }, new Map([[0, "gone"], [1, "gone"]]), new Set(["netns:web"]));
  assert.deepEqual(unmoved.lines, [
    "create network namespace 'web': gone",
    "create veth pair 'veth-web' <-> 'p-1456c9ab': gone",
  ]);
});

import assert from "node:assert/strict";
import { type RevertItem, subsume } from "../../src/engine/mod.ts";
import type { Step } from "../../src/steps/mod.ts";

const item = (index: number, step: Step): RevertItem => ({ run: "r1", index, step });

/** veth-bridge's steps in undo order (newest first), on a bridge the run made. */
const vethBridge: Step[] = [
  { kind: "route-add", netns: "web", route: { family: 4, dst: "default", via: "10.200.0.1", dev: "eth0" } },
  { kind: "addr-add", netns: "web", dev: "eth0", addr: { family: "inet", local: "10.200.0.2", prefixlen: 24 } },
  { kind: "link-set-up", netns: "web", dev: "eth0" },
  { kind: "link-set-up", dev: "veth-web" },
  { kind: "link-set-master", dev: "veth-web", master: "br0" },
  { kind: "link-set-up", dev: "br0" },
  { kind: "addr-add", dev: "br0", addr: { family: "inet", local: "10.200.0.1", prefixlen: 24 } },
  { kind: "bridge-add", dev: "br0" },
  { kind: "link-set-netns", dev: "p-1", netns: "web", name: "eth0" },
  { kind: "veth-add", dev: "veth-web", peer: "p-1" },
  { kind: "link-set-up", netns: "web", dev: "lo" },
  { kind: "netns-add", netns: "web" },
] as Step[];

Deno.test("subsume: what lives in a netns or a link the same undo deletes goes with it; host addresses and the deletions themselves keep their inverse", () => {
  const out = subsume(vethBridge.map((s, i) => item(vethBridge.length - 1 - i, s)));
  assert.deepEqual(out.map((o) => o.subsumedBy), [
    "netns:web",
    "netns:web",
    "netns:web",
    "link:veth-web",
    "link:veth-web",
    "link:br0",
    undefined, // the bridge's address: host routing sees it until it is deleted, in order
    undefined,
    "netns:web",
    undefined,
    "netns:web",
    undefined,
  ]);
});

Deno.test("subsume: a bridge the undo does not delete (handed over, or not made by the run) subsumes nothing; the uplink's port stays explicit", () => {
  const steps: Step[] = [
    { kind: "link-set-up", dev: "br0" },
    { kind: "link-set-master", dev: "eth0", master: "br0" },
    { kind: "route-add", route: { family: 4, dst: "default", via: "198.51.100.1", dev: "br0" } },
  ] as Step[];
  assert.deepEqual(subsume(steps.map((s, i) => item(i, s))).map((o) => o.subsumedBy), [
    undefined,
    undefined,
    undefined,
  ]);
  const withBridge = subsume([...steps, { kind: "bridge-add", dev: "br0" } as Step].map((s, i) => item(i, s)));
  assert.deepEqual(withBridge.map((o) => o.subsumedBy), ["link:br0", undefined, undefined, undefined]);
});

Deno.test("subsume: the address and the point-to-point route veth-bridge gives the bridge it makes (goesWithLink) go with the bridge; unmarked (full-migrate's, earlier journals) they keep their inverse", () => {
  const own: Step[] = [
    { kind: "route-add", goesWithLink: true, route: { family: 4, dst: "10.200.0.2", dev: "br0" } },
    { kind: "addr-add", dev: "br0", goesWithLink: true, addr: { family: "inet", local: "10.200.0.1", prefixlen: 32 } },
    { kind: "link-set-up", dev: "br0" },
    { kind: "bridge-add", dev: "br0" },
  ] as Step[];
  assert.deepEqual(subsume(own.map((s, i) => item(i, s))).map((o) => o.subsumedBy), [
    "link:br0",
    "link:br0",
    "link:br0",
    undefined,
  ]);
  // The bridge kept (no bridge-add in this undo: handed over): the marked address keeps its inverse.
  assert.deepEqual(subsume(own.slice(0, 3).map((s, i) => item(i, s))).map((o) => o.subsumedBy), [
    undefined,
    undefined,
    undefined,
  ]);
  const unmarked = own.map((s) => {
    const { goesWithLink: _, ...rest } = s as Step & { goesWithLink?: true };
    return rest as Step;
  });
  assert.deepEqual(subsume(unmarked.map((s, i) => item(i, s))).map((o) => o.subsumedBy), [
    undefined,
    undefined,
    "link:br0",
    undefined,
  ]);
});

Deno.test("subsume: the veth pair whose peer was moved into the netns the same undo deletes is marked with that netns (peerNetns), not subsumed: it keeps its inverse until seen gone", () => {
  const out = subsume(vethBridge.map((s, i) => item(vethBridge.length - 1 - i, s)));
  assert.deepEqual(out.map((o) => o.peerNetns), [
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    "netns:web", // veth-add: its peer p-1 was moved into web, which netns-add's inverse deletes after it
    undefined,
    undefined,
  ]);
  assert.equal(out[9].subsumedBy, undefined);
});

Deno.test("subsume: a veth pair is not marked when the undo does not delete the netns its peer is in, or no step of the undo moved the peer", () => {
  const marks = (steps: Step[]) => subsume(steps.map((s, i) => item(i, s))).map((o) => o.peerNetns);
  const move = { kind: "link-set-netns", dev: "p-1", netns: "web", newName: "eth0" } as Step;
  const veth = { kind: "veth-add", dev: "veth-web", peer: "p-1" } as Step;
  const netns = { kind: "netns-add", netns: "web" } as Step;
  // The netns not deleted by this undo (e.g. its step already recorded undone by an undo that was killed).
  assert.deepEqual(marks([move, veth]), [undefined, undefined]);
  // The peer moved into another netns than the one deleted.
  assert.deepEqual(marks([{ ...move, netns: "other" } as Step, veth, netns]), [undefined, undefined, undefined]);
  // No step moved the peer (its move already recorded undone): the pair is deleted by its own inverse.
  assert.deepEqual(marks([veth, netns]), [undefined, undefined]);
  // The netns deleted before the veth (undo's order): the deletion does not come later, so nothing is left to it.
  assert.deepEqual(marks([move, netns, veth]), [undefined, undefined, undefined]);
});

Deno.test("subsume: a veth pair is not marked when the move of its peer is recorded only as intended (the run stopped in between: the peer may still be on the host, where deleting the netns does not reach it); a move recorded done, or inherited, marks it", () => {
  const move = { kind: "link-set-netns", dev: "p-1", netns: "web", newName: "eth0" } as Step;
  const veth = { kind: "veth-add", dev: "veth-web", peer: "p-1" } as Step;
  const netns = { kind: "netns-add", netns: "web" } as Step;
  const marks = (moveDone: boolean | undefined) =>
    subsume([{ ...item(2, move), done: moveDone }, { ...item(1, veth), done: true }, { ...item(0, netns), done: true }])
      .map((o) => o.peerNetns);
  assert.deepEqual(marks(false), [undefined, undefined, undefined]);
  assert.deepEqual(marks(true), [undefined, "netns:web", undefined]);
  assert.deepEqual(marks(undefined), [undefined, "netns:web", undefined]);
});

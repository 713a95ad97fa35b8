/**
 * F9: a plan that gives one name to two links on the host (the bridge, the
 * veth's host end and its peer's temporary name, derived or given, and the
 * uplink) is a usage error at plan time (exit 2), in both recipes; a name
 * taken by an existing link of another kind is a precondition error (exit 3).
 */
import assert from "node:assert/strict";
import { assertDistinctLinks, vethNames } from "../../recipes/attach.ts";
import { fullMigrate } from "../../recipes/full_migrate.ts";
import { vethBridge } from "../../recipes/veth_bridge.ts";
import { EXIT, PreconditionError, UsageError } from "../../src/errors.ts";
import { EMPTY_FACTS, type HostFacts } from "../../src/host/mod.ts";

const HOST: HostFacts = {
  ...EMPTY_FACTS,
  links: [...EMPTY_FACTS.links, { ifindex: 2, ifname: "eth0", flags: ["UP"], mtu: 1500, operstate: "UP" }],
  addrs: [{ ifname: "eth0", addr_info: [{ family: "inet", local: "198.51.100.10", prefixlen: 24, scope: "global" }] }],
  routes4: [{ dst: "default", gateway: "198.51.100.1", dev: "eth0", flags: [] }],
};

const vb = (o: Record<string, unknown>) => () => vethBridge.plan(vethBridge.params.parse({ name: "x", ...o }), HOST);
const fm = (o: Record<string, unknown>) => () =>
  fullMigrate.plan(fullMigrate.params.parse({ name: "x", address: "198.51.100.50/24", ...o }), HOST);

function refused(fn: () => unknown, message: string, cls: typeof UsageError | typeof PreconditionError = UsageError) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof cls, String(e));
    assert.equal(e.exitCode, cls === UsageError ? EXIT.usage : EXIT.precondition);
    assert.equal(e.message, message);
    return true;
  });
}

const PEER = vethNames("x", undefined, HOST).peer;

Deno.test("F9: veth-bridge refuses a --bridge or --veth equal to another link name of its plan, derived or given", () => {
  refused(vb({ bridge: "veth-x" }), "the veth's host end (derived from --name x) and --bridge are both 'veth-x'");
  refused(vb({ bridge: PEER }), `the veth peer's temporary name and --bridge are both '${PEER}'`);
  refused(vb({ veth: "br0" }), "--veth and the default bridge are both 'br0'");
  refused(vb({ veth: "lan0", bridge: "lan0" }), "--veth and --bridge are both 'lan0'");
  refused(vb({ bridge: "eth0" }), "'eth0' exists and is not a bridge (unknown)", PreconditionError);
});

Deno.test("F9: full-migrate refuses a --bridge or --veth equal to the derived veth names or the uplink", () => {
  refused(fm({ bridge: "veth-x" }), "the veth's host end (derived from --name x) and --bridge are both 'veth-x'");
  refused(fm({ bridge: PEER }), `the veth peer's temporary name and --bridge are both '${PEER}'`);
  refused(fm({ veth: "eth0" }), "--veth and the uplink are both 'eth0'");
  refused(fm({ veth: "br0" }), "--veth and the default bridge are both 'br0'");
});

Deno.test("F9: assertDistinctLinks names the first clash; distinct names pass", () => {
  assert.doesNotThrow(() => assertDistinctLinks([{ name: "a", role: "A" }, { name: "b", role: "B" }]));
  refused(
    () => assertDistinctLinks([{ name: "a", role: "A" }, { name: "b", role: "B" }, { name: "a", role: "C" }]),
    "A and C are both 'a'",
  );
});

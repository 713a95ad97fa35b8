import assert from "node:assert/strict";
import { bridgeAdd, type BridgeAddStep } from "../../src/steps/bridge_add.ts";
// The step kinds build their schemas with zod once src/zod.ts has loaded it (src/zod_deferred.ts), as the journal's
// record check does before it checks a step.
import "../../src/zod.ts";

/** A step as the journal holds it, checked by the kind's schema. */
function parse(value: unknown): BridgeAddStep {
  const r = bridgeAdd.schema().safeParse(value);
  if (!r.success) throw new Error(JSON.stringify(r.error.issues));
  return r.data;
}

Deno.test("X10: bridge-add with the uplink's arp off, multicast off and alias: created with the flags, then the alias set (the kernel ignores IFLA_IFALIAS on create)", () => {
  const s = parse({
    kind: "bridge-add",
    dev: "br0",
    mac: "02:00:00:00:10:10",
    mtu: 1500,
    group: "7",
    noarp: true,
    nomulticast: true,
    alias: "uplink to rack 7",
  });
  assert.deepEqual(bridgeAdd.commands(s), [
    [
      "ip",
      "link",
      "add",
      "dev",
      "br0",
      "address",
      "02:00:00:00:10:10",
      "mtu",
      "1500",
      "group",
      "7",
      "arp",
      "off",
      "multicast",
      "off",
      "type",
      "bridge",
      "stp_state",
      "0",
    ],
    ["ip", "link", "set", "dev", "br0", "alias", "uplink to rack 7"],
  ]);
  assert.equal(
    bridgeAdd.summary(s),
    `create bridge 'br0' (STP off, MAC 02:00:00:00:10:10, ARP off, multicast off, alias "uplink to rack 7")`,
  );
});

Deno.test("X10: bridge-add without them: one command, no flag words, and the schema refuses 'noarp: false' (absent means on)", () => {
  const s = parse({ kind: "bridge-add", dev: "br0" });
  assert.deepEqual(bridgeAdd.commands(s), [["ip", "link", "add", "dev", "br0", "type", "bridge", "stp_state", "0"]]);
  assert.equal(bridgeAdd.summary(s), "create bridge 'br0' (STP off)");
  assert.equal(bridgeAdd.schema().safeParse({ kind: "bridge-add", dev: "br0", noarp: false }).success, false);
});

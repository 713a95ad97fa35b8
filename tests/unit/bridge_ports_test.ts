/**
 * Issue 9 cases 3 and 8: a veth joining a bridge nsrecipe did not create
 * changes neither the bridge's MTU nor its MAC.
 */
import assert from "node:assert/strict";
import { bridgeMac, derivedMac, vethMac } from "../../recipes/mac.ts";
import { vethBridge, vethMtu } from "../../recipes/veth_bridge.ts";
import { PreconditionError, UsageError } from "../../src/errors.ts";
import { EMPTY_FACTS, type HostFacts, type IpLink } from "../../src/host/mod.ts";
import { planCommands } from "../../src/steps/mod.ts";

const link = (ifname: string, address: string, extra: Partial<IpLink> = {}): IpLink => ({
  ifindex: 10 + ifname.length,
  ifname,
  flags: ["UP"],
  mtu: 1500,
  operstate: "UP",
  address,
  ...extra,
});
const br9 = (mtu: number, address = "52:54:00:12:34:56") =>
  link("br9", address, { mtu, linkinfo: { info_kind: "bridge", info_data: { stp_state: 0 } } });
const hostWith = (...links: IpLink[]): HostFacts => ({ ...EMPTY_FACTS, links: [...EMPTY_FACTS.links, ...links] });
const plan = (opts: Record<string, unknown>, facts: HostFacts) =>
  vethBridge.plan(vethBridge.params.parse({ name: "n", bridge: "br9", ...opts }), facts);
const vethCommand = (opts: Record<string, unknown>, facts: HostFacts) =>
  planCommands(plan(opts, facts).steps).map((a) => a.join(" ")).find((c) => c.includes("type veth"))!;

for (const mtu of [1450, 9000, 1280]) {
  Deno.test(`case 3: by default the veth takes the existing bridge's MTU (${mtu}) on both ends`, () => {
    const facts = hostWith(br9(mtu), link("tun0", "52:54:00:12:34:56", { mtu, master: "br9" }));
    assert.match(
      vethCommand({}, facts),
      new RegExp(`^ip link add dev veth-n address \\S+ mtu ${mtu} type veth peer name p-\\w+ mtu ${mtu}$`),
    );
  });
}

Deno.test("case 3: --mtu below an existing bridge's MTU is refused with the reason (usage error)", () => {
  const facts = hostWith(br9(9000), link("eth1", "52:54:00:12:34:56", { mtu: 9000, master: "br9" }));
  assert.throws(
    () => plan({ mtu: "1500" }, facts),
    (e) =>
      e instanceof UsageError && e.exitCode === 2 &&
      e.message ===
        "--mtu 1500 would lower bridge 'br9' from 9000 to 1500 bytes: a bridge whose MTU was not set by hand follows its smallest port, so its other ports would lose larger frames" &&
      e.hint === "Leave --mtu out to take the bridge's MTU (9000), or lower the bridge's MTU yourself first.",
  );
});

for (const [given, bridge] of [[9000, 1450], [1500, 1450], [1451, 1450], [9001, 9000]]) {
  Deno.test(`X5: --mtu ${given} above an existing bridge's MTU (${bridge}) is refused with the reason (usage error)`, () => {
    const facts = hostWith(br9(bridge), link("tun0", "52:54:00:12:34:56", { mtu: bridge, master: "br9" }));
    assert.throws(
      () => plan({ mtu: String(given) }, facts),
      (e) =>
        e instanceof UsageError && e.exitCode === 2 &&
        e.message ===
          `--mtu ${given} is above the MTU of bridge 'br9', ${bridge} bytes, which nsrecipe does not change on a bridge it did not create: the namespace would send frames larger than ${bridge} bytes that the bridge and its other ports drop` &&
        e.hint === `Leave --mtu out to take the bridge's MTU (${bridge}), or give a --bridge that nsrecipe creates.`,
    );
  });
}

Deno.test("case 3: --mtu equal to the bridge's is accepted", () => {
  assert.deepEqual(vethMtu(1450, br9(1450)), { mtu: 1450 });
  assert.deepEqual(vethMtu(9000, br9(9000)), { mtu: 9000 });
  assert.match(
    vethCommand({ mtu: "1450" }, hostWith(br9(1450), link("tun0", "52:54:00:12:34:56", { mtu: 1450, master: "br9" }))),
    /^ip link add dev veth-n address \S+ mtu 1450 type veth peer name p-\w+ mtu 1450$/,
  );
});

Deno.test("case 3: on a bridge this run creates, --mtu is used as given and the default is the kernel's", () => {
  assert.deepEqual(vethMtu(undefined, undefined), { mtu: undefined });
  assert.deepEqual(vethMtu(9000, undefined), { mtu: 9000 });
});

Deno.test("case 8: the host-side veth MAC is fe: and locally administered unicast, stable for the same host and names", () => {
  const facts = hostWith(br9(1500), link("eth0", "52:54:00:12:34:56", { master: "br9" }));
  const mac = vethMac("n/veth-n/br9", facts.links[1], facts.links);
  assert.match(mac, /^fe(:[0-9a-f]{2}){5}$/);
  const first = parseInt(mac.slice(0, 2), 16);
  assert.equal(first & 1, 0, "unicast");
  assert.equal(first & 2, 2, "locally administered");
  assert.equal(vethMac("n/veth-n/br9", facts.links[1], facts.links), mac, "the same on the same host");
  assert.notEqual(vethMac("m/veth-m/br9", facts.links[1], facts.links), mac, "another for another namespace");
  const otherHost = hostWith(br9(1500, "52:54:00:ab:cd:ef"), link("eth0", "52:54:00:ab:cd:ef", { master: "br9" }));
  assert.notEqual(vethMac("n/veth-n/br9", otherHost.links[1], otherHost.links), mac, "another on another host");
});

Deno.test("case 8: the veth MAC is above every port MAC of a QEMU guest's uplink, a 02: port and a burnt-in NIC", () => {
  for (const port of ["52:54:00:12:34:56", "02:00:00:00:00:01", "00:1b:21:0a:0b:0c", "fc:ff:ff:ff:ff:ff"]) {
    const facts = hostWith(br9(1500, port), link("p1", port, { master: "br9" }));
    const mac = vethMac("n/veth-n/br9", facts.links[1], facts.links);
    assert.ok(mac > port, `${mac} > ${port}`);
    assert.match(mac, /^fe:/);
  }
});

Deno.test("case 8: when no port is lower than the fe: candidate, the veth takes the bridge's own MAC (the lowest stays the same)", () => {
  const ports = hostWith(br9(1500, "fe:ff:ff:ff:ff:fe"), link("tap0", "fe:ff:ff:ff:ff:fe", { master: "br9" }));
  assert.equal(vethMac("n/veth-n/br9", ports.links[1], ports.links), "fe:ff:ff:ff:ff:fe");
  const empty = hostWith(br9(1500, "0e:76:85:d3:97:ef"));
  assert.equal(vethMac("n/veth-n/br9", empty.links[1], empty.links), "0e:76:85:d3:97:ef");
  const zero = hostWith(br9(1500, "00:00:00:00:00:00"));
  assert.match(vethMac("n/veth-n/br9", zero.links[1], zero.links), /^fe:/, "never the invalid all-zero MAC");
});

Deno.test("N16: on a bridge whose MAC was set (not its lowest port's), the veth keeps its own fe: MAC, never the bridge's", () => {
  // br0 as nsrecipe created it (a fixed 02: MAC) with the veth of an earlier run as its only port, above the candidate.
  for (const port of ["fe:ff:ff:ff:ff:fe", "fe:ec:3a:b3:50:10"]) {
    const facts = hostWith(br9(1500, "02:16:7c:0f:25:c0"), link("veth-web", port, { master: "br9" }));
    const mac = vethMac("p2/veth-p2/br9", facts.links[1], facts.links);
    assert.match(mac, /^fe(:[0-9a-f]{2}){5}$/, port);
    assert.notEqual(mac, "02:16:7c:0f:25:c0", port);
    assert.notEqual(mac, port, port);
  }
  // Two ports above the candidate, the bridge's MAC set by hand to something else than either.
  const two = hostWith(
    br9(1500, "0a:00:00:00:00:01"),
    link("tap1", "fe:ff:ff:ff:ff:f0", { master: "br9" }),
    link("tap2", "fe:ff:ff:ff:ff:f1", { master: "br9" }),
  );
  assert.match(vethMac("n/veth-n/br9", two.links[1], two.links), /^fe:(?!ff:ff:ff:ff:f[01])/);
});

Deno.test("case 8: a bridge without a port is refused (undo would leave it without carrier, its MAC zeroed); --force accepts it with a note and the command to pin the MAC; one already as undo leaves it is taken as it is", () => {
  const words = "Bridge 'br9' has no port: when this run's veth, its only port, leaves at undo, the kernel turns " +
    "the bridge's carrier off (NO-CARRIER, state DOWN, its routes 'linkdown') and, unless its MAC was set by hand, " +
    "sets its MAC to 00:00:00:00:00:00";
  assert.throws(
    () => plan({}, hostWith(br9(1500, "0e:76:85:d3:97:ef"))),
    (e) =>
      e instanceof PreconditionError &&
      e.message === `${words}: undo could not put it back as it is now; nothing was changed` &&
      /--force/.test(e.hint ?? ""),
  );
  const forced = plan({ force: true }, hostWith(br9(1500, "0e:76:85:d3:97:ef")));
  assert.ok(
    forced.notes.includes(
      `${words} (accepted with --force). To keep its MAC: ip link set dev br9 address 0e:76:85:d3:97:ef`,
    ),
    forced.notes.join("\n"),
  );
  // Up, without carrier, its MAC zeroed: what its last port's leaving left, and what undo leaves again.
  const left = br9(1500, "00:00:00:00:00:00");
  left.flags = ["NO-CARRIER", "BROADCAST", "MULTICAST", "UP"];
  assert.ok(!plan({}, hostWith(left)).notes.some((n) => /has no port/.test(n)));
  assert.throws(
    () => plan({ force: true }, hostWith(left)),
    (e) => e instanceof UsageError && /--force only/.test(e.message),
  );
  // A port of the admin's on it: nothing changes at undo.
  assert.ok(
    !plan({}, hostWith(br9(1500, "0e:76:85:d3:97:ef"), link("tap0", "fe:00:00:00:00:01", { master: "br9" }))).notes
      .some((n) => /has no port/.test(n)),
  );
});

Deno.test("case 8: a bridge nsrecipe creates gets a fixed 02: MAC, different from every MAC on the host", () => {
  const taken = hostWith(link("eth0", "52:54:00:12:34:56"));
  const mac = bridgeMac("br0/web", taken.links);
  assert.match(mac, /^02(:[0-9a-f]{2}){5}$/);
  assert.ok(!taken.links.some((l) => l.address === mac));
  const first = derivedMac("02", "seed", new Set());
  assert.notEqual(derivedMac("02", "seed", new Set([first])), first, "a taken MAC is skipped");
});

Deno.test("case 10: an IPv6 subnet on a veth or bridge below 1280 bytes is refused at plan time (RFC 8200)", () => {
  assert.throws(
    () => vethBridge.plan(vethBridge.params.parse({ name: "n", subnet: "2001:db8:5::/64", mtu: "1200" }), EMPTY_FACTS),
    (e) =>
      e instanceof UsageError &&
      e.message ===
        "IPv6 needs an MTU of at least 1280 bytes (RFC 8200), and --mtu is 1200: the kernel would refuse the namespace's IPv6 address",
  );
  const small = hostWith(br9(1200), link("tun0", "52:54:00:12:34:56", { mtu: 1200, master: "br9" }));
  assert.throws(
    () => plan({ subnet: "2001:db8:5::/64" }, small),
    (e) => e instanceof UsageError && /and bridge 'br9' has 1200:/.test(e.message),
  );
  assert.ok(plan({ subnet: "10.91.0.0/24" }, small).steps.length > 0, "IPv4 works below 1280");
  assert.ok(
    vethBridge.plan(vethBridge.params.parse({ name: "n", subnet: "2001:db8:5::/64", mtu: "1280" }), EMPTY_FACTS),
  );
});

Deno.test("an MTU below 1280 on an IPv4 subnet is planned with a note that the kernel runs no IPv6 on the veth pair (nor on the bridge the run makes); 1280 and more, none", () => {
  const made = vethBridge.plan(vethBridge.params.parse({ name: "n", mtu: "1200" }), EMPTY_FACTS);
  assert.ok(
    made.notes.includes(
      "The veth pair's MTU, 1200 bytes, is below 1280, IPv6's minimum (RFC 8200): the kernel runs no IPv6 on it nor " +
        "on bridge 'br0', which takes the MTU of its smallest port, so 'n' has no IPv6 link-local address.",
    ),
    made.notes.join("\n"),
  );
  const small = hostWith(br9(1200), link("tun0", "52:54:00:12:34:56", { mtu: 1200, master: "br9" }));
  assert.ok(
    plan({ subnet: "10.91.0.0/24" }, small).notes.includes(
      "The veth pair's MTU, 1200 bytes, is below 1280, IPv6's minimum (RFC 8200): the kernel runs no IPv6 on it, so " +
        "'n' has no IPv6 link-local address.",
    ),
  );
  for (const mtu of ["1280", "1500"]) {
    const notes = vethBridge.plan(vethBridge.params.parse({ name: "n", mtu }), EMPTY_FACTS).notes;
    assert.ok(!notes.some((n) => n.includes("IPv6's minimum")), `--mtu ${mtu}: ${notes.join("\n")}`);
  }
  const port = link("tun0", "52:54:00:12:34:56", { mtu: 1450, master: "br9" });
  assert.ok(!plan({}, hostWith(br9(1450), port)).notes.some((n) => n.includes("IPv6's minimum")));
});

/**
 * Issue 9 cases 7 and 10: point-to-point prefixes (/31, /32, /127, /128) and
 * inputs refused at plan time (reserved subnets, leading zeros).
 */
import assert from "node:assert/strict";
import { hostAddresses, isHostAddress, parseCidr, parseSubnet, reservedRange } from "../../recipes/subnet.ts";
import { vethBridge } from "../../recipes/veth_bridge.ts";
import { PreconditionError, UsageError } from "../../src/errors.ts";
import { EMPTY_FACTS, type HostFacts } from "../../src/host/mod.ts";
import { planCommands } from "../../src/steps/mod.ts";

/**
 * The message of a refused input: a UsageError's (from the planner), or the
 * issues of a ZodError (from the schema, which reads CIDR options when the
 * options are parsed, before the host is looked at); `""` for anything else.
 */
function refusal(e: unknown): string {
  if (e instanceof UsageError) return e.message;
  // zod's error class (`$ZodError`, by name: the bundle's `z` does not export the class, see vendor/zod_api.ts).
  if (e instanceof Error && e.name === "$ZodError" && "issues" in e && Array.isArray(e.issues)) {
    return e.issues.map((i: { message: string }) => i.message).join("\n");
  }
  return "";
}

const plan = (opts: Record<string, unknown>, facts: HostFacts = EMPTY_FACTS) =>
  vethBridge.plan(vethBridge.params.parse(opts), facts);
const commands = (opts: Record<string, unknown>, facts?: HostFacts) =>
  planCommands(plan(opts, facts).steps).map((a) => a.join(" "));
/** The commands that configure addresses and routes (the veth's peer name is random). */
const addressing = (opts: Record<string, unknown>, facts?: HostFacts) =>
  commands(opts, facts).filter((c) => / addr add | route add /.test(c));

Deno.test("case 7: --subnet 10.77.0.0/31 gives the bridge .0 and the namespace .1 (RFC 3021: no network or broadcast address)", () => {
  assert.deepEqual(addressing({ name: "p2p", subnet: "10.77.0.0/31", bridge: "p2pbr" }), [
    "ip addr add 10.77.0.0/31 dev p2pbr",
    "ip -n p2p addr add 10.77.0.1/31 dev eth0",
    "ip -n p2p -4 route add default via 10.77.0.0 dev eth0",
  ]);
});

Deno.test("case 7: explicit /31 addresses are both accepted, either way round", () => {
  assert.deepEqual(
    addressing({ name: "p", bridgeAddress: "10.77.0.0/31", address: "10.77.0.1/31" }).slice(-1),
    ["ip -n p -4 route add default via 10.77.0.0 dev eth0"],
  );
  assert.deepEqual(
    addressing({ name: "p", bridgeAddress: "10.77.0.1/31", address: "10.77.0.0/31" }),
    [
      "ip addr add 10.77.0.1/31 dev br0",
      "ip -n p addr add 10.77.0.0/31 dev eth0",
      "ip -n p -4 route add default via 10.77.0.1 dev eth0",
    ],
  );
});

Deno.test("case 7: a /31 whose two addresses are taken has no free address, naming the bridge's", () => {
  const facts: HostFacts = {
    ...EMPTY_FACTS,
    links: [...EMPTY_FACTS.links, {
      ifindex: 5,
      ifname: "br0",
      flags: ["UP"],
      mtu: 1500,
      operstate: "UP",
      linkinfo: { info_kind: "bridge" },
    }],
    addrs: [{ ifname: "br0", addr_info: [{ family: "inet", local: "10.77.0.0", prefixlen: 31, scope: "global" }] }],
    netnsAddresses: ["10.77.0.1"],
  };
  assert.throws(
    () => plan({ name: "q" }, facts),
    (e) =>
      e instanceof PreconditionError &&
      e.message === "No free address left in 10.77.0.0/31 (the bridge holds 10.77.0.0)",
  );
});

Deno.test("case 7: IPv6 /127 gives the bridge ::0 and the namespace ::1 (RFC 6164)", () => {
  assert.deepEqual(addressing({ name: "p6", subnet: "2001:db8:77::/127" }), [
    "ip addr add 2001:db8:77::/127 nodad dev br0",
    "ip -n p6 addr add 2001:db8:77::1/127 nodad dev eth0",
    "ip -n p6 -6 route add default via 2001:db8:77:: dev eth0",
  ]);
});

Deno.test("case 7: /32 addresses are point-to-point: onlink default route, host route to the namespace on the bridge", () => {
  assert.deepEqual(addressing({ name: "h", address: "10.78.0.2/32", bridgeAddress: "10.78.0.1/32" }), [
    "ip addr add 10.78.0.1/32 dev br0",
    "ip -n h addr add 10.78.0.2/32 dev eth0",
    "ip -n h -4 route add default via 10.78.0.1 dev eth0 onlink",
    "ip -4 route add 10.78.0.2 dev br0",
  ]);
});

Deno.test("case 7: /128 addresses are point-to-point too", () => {
  assert.deepEqual(addressing({ name: "h6", address: "2001:db8:78::2/128", bridgeAddress: "2001:db8:78::1/128" }), [
    "ip addr add 2001:db8:78::1/128 nodad dev br0",
    "ip -n h6 addr add 2001:db8:78::2/128 nodad dev eth0",
    "ip -n h6 -6 route add default via 2001:db8:78::1 dev eth0 onlink",
    "ip -6 route add 2001:db8:78::2 dev br0",
  ]);
});

Deno.test("case 7: a second /32 namespace reuses the bridge's /32 as its gateway", () => {
  const facts: HostFacts = {
    ...EMPTY_FACTS,
    links: [...EMPTY_FACTS.links, {
      ifindex: 5,
      ifname: "br0",
      flags: ["UP"],
      mtu: 1500,
      operstate: "UP",
      linkinfo: { info_kind: "bridge" },
    }, { ifindex: 6, ifname: "veth-h1", flags: ["UP"], mtu: 1500, operstate: "UP", master: "br0" }],
    addrs: [{ ifname: "br0", addr_info: [{ family: "inet", local: "10.78.0.1", prefixlen: 32, scope: "global" }] }],
    routes4: [{ dst: "10.78.0.2", dev: "br0", scope: "link", flags: [] }],
    netnsAddresses: ["10.78.0.2"],
  };
  assert.deepEqual(addressing({ name: "h2", address: "10.78.0.3/32" }, facts), [
    "ip -n h2 addr add 10.78.0.3/32 dev eth0",
    "ip -n h2 -4 route add default via 10.78.0.1 dev eth0 onlink",
    "ip -4 route add 10.78.0.3 dev br0",
  ]);
  assert.throws(() => plan({ name: "h3", address: "10.78.0.2/32" }, facts), /10.78.0.2 is already in use/);
  assert.deepEqual(
    addressing({ name: "d" }, facts).slice(0, 2),
    ["ip addr add 10.200.0.1/24 dev br0", "ip -n d addr add 10.200.0.2/24 dev eth0"],
    "without options, a bridge holding only a /32 gets a free subnet",
  );
});

for (
  const [opts, pattern] of [
    [
      { subnet: "10.77.0.5/32" },
      /--subnet '10.77.0.5\/32' holds a single address; the bridge and the namespace need one each/,
    ],
    [{ subnet: "2001:db8::5/128" }, /holds a single address/],
    [{ address: "10.78.0.2/32" }, /--address '10.78.0.2\/32' is a single address: give --bridge-address too/],
    [{ bridgeAddress: "10.78.0.1/32" }, /--bridge-address '10.78.0.1\/32' is a single address: give --address too/],
    [{ address: "10.78.0.2/32", bridgeAddress: "10.78.0.1/24" }, /must both be \/32 for point-to-point addressing/],
    [{ address: "10.78.0.2/32", bridgeAddress: "10.78.0.2/32" }, /both 10.78.0.2: the namespace's gateway/],
    [{ address: "10.78.0.2/32", bridgeAddress: "10.78.0.1/32", subnet: "10.78.0.0/24" }, /cannot be combined/],
  ] as const
) {
  Deno.test(`case 7: point-to-point given by halves or badly is a usage error: ${JSON.stringify(opts)}`, () => {
    assert.throws(() => plan({ name: "x", ...opts }), (e) => e instanceof UsageError && pattern.test(e.message));
  });
}

Deno.test("case 7: which addresses a host may hold in /30, /31, /32, /64, /127, /128", () => {
  const hosts = (cidr: string) => [...hostAddresses(parseSubnet(cidr))].slice(0, 5);
  assert.deepEqual(hosts("10.0.0.0/30"), ["10.0.0.1", "10.0.0.2"]);
  assert.deepEqual(hosts("10.0.0.0/31"), ["10.0.0.0", "10.0.0.1"]);
  assert.deepEqual(hosts("10.0.0.7/32"), ["10.0.0.7"]);
  assert.deepEqual(hosts("2001:db8::/126"), ["2001:db8::1", "2001:db8::2", "2001:db8::3"]);
  assert.deepEqual(hosts("2001:db8::/127"), ["2001:db8::", "2001:db8::1"]);
  assert.deepEqual(hosts("2001:db8::9/128"), ["2001:db8::9"]);
  assert.equal(isHostAddress("10.0.0.3", parseSubnet("10.0.0.0/30")), false);
  assert.equal(isHostAddress("2001:db8::", parseSubnet("2001:db8::/64")), false);
});

for (
  const [opts, message] of [
    [{ bridgeAddress: "10.77.0.0/30" }, "--bridge-address 10.77.0.0 is the network address of 10.77.0.0/30"],
    [{ address: "10.77.0.3/30" }, "--address 10.77.0.3 is the broadcast address of 10.77.0.0/30"],
    [
      { address: "2001:db8:5::/64" },
      "--address 2001:db8:5:: is the Subnet-Router anycast address (RFC 4291) of 2001:db8:5::/64",
    ],
  ] as const
) {
  Deno.test(`case 7: ${message}, and the hint names /31 or /127`, () => {
    assert.throws(
      () => plan({ name: "x", ...opts }),
      (e) => e instanceof UsageError && e.message === message && /\/(31|127) \(RFC (3021|6164)\)/.test(e.hint ?? ""),
    );
  });
}

for (
  const [option, value, range] of [
    ["subnet", "224.0.0.0/24", "224.0.0.0/4, IPv4 multicast (RFC 5771)"],
    ["subnet", "239.255.0.0/16", "224.0.0.0/4, IPv4 multicast (RFC 5771)"],
    ["subnet", "0.0.0.0/8", "0.0.0.0/8, 'this network' (RFC 1122), not assignable"],
    ["subnet", "127.0.0.0/8", "127.0.0.0/8, IPv4 loopback (RFC 1122)"],
    ["subnet", "127.5.0.0/24", "127.0.0.0/8, IPv4 loopback (RFC 1122)"],
    ["subnet", "240.0.0.0/4", "240.0.0.0/4, reserved IPv4 space and the limited broadcast (RFC 1112, RFC 919)"],
    ["subnet", "169.254.10.0/24", "169.254.0.0/16, IPv4 link-local (RFC 3927), assigned by the link itself"],
    ["subnet", "ff00::/8", "ff00::/8, IPv6 multicast (RFC 4291)"],
    ["subnet", "ff02::/64", "ff00::/8, IPv6 multicast (RFC 4291)"],
    ["subnet", "fe80::/64", "fe80::/10, IPv6 link-local (RFC 4291), assigned by the link itself"],
    ["subnet", "::ffff:10.0.0.0/120", "::ffff:0:0/96, IPv4-mapped IPv6 addresses (RFC 4291), never on a link"],
    ["address", "::1/128", "::1/128, IPv6 loopback (RFC 4291)"],
    ["address", "127.0.0.2/8", "127.0.0.0/8, IPv4 loopback (RFC 1122)"],
    ["bridgeAddress", "224.0.0.1/24", "224.0.0.0/4, IPv4 multicast (RFC 5771)"],
  ] as const
) {
  Deno.test(`case 10: --${option} ${value} is refused at plan time: it lies in ${range.split(",")[0]}`, () => {
    assert.throws(
      () => plan({ name: "x", [option]: value }),
      (e) => e instanceof UsageError && e.message.endsWith(`lies in ${range}`) && e.exitCode === 2,
    );
  });
}

for (const [value, range] of [["0.0.0.0/0", "0.0.0.0/8"], ["192.0.0.0/2", "224.0.0.0/4"], ["::/0", "::/128"]]) {
  Deno.test(`case 10: --subnet ${value} covers ${range} and is refused`, () => {
    assert.throws(
      () => plan({ name: "x", subnet: value }),
      (e) => e instanceof UsageError && e.message.includes(`covers ${range}`),
    );
  });
}

Deno.test("case 10: documentation, private and ULA subnets are usable", () => {
  for (
    const cidr of ["10.0.0.0/8", "192.168.1.0/24", "198.51.100.0/24", "100.64.0.0/24", "fd00:1::/64", "2001:db8::/64"]
  ) {
    assert.equal(reservedRange(parseSubnet(cidr)), undefined, cidr);
  }
});

for (
  const [option, value] of [
    ["subnet", "010.0.0.0/24"],
    ["address", "10.200.0.02/24"],
    ["bridgeAddress", "10.200.00.1/24"],
    ["subnet", "10.200.0.0/024"],
    ["address", "09.1.1.1/24"],
  ] as const
) {
  Deno.test(`case 10: leading zeros are refused in every IPv4 input: --${option} ${value}`, () => {
    assert.throws(
      () => plan({ name: "x", [option]: value }),
      (e) => /leading zero|not a CIDR/.test(refusal(e)),
    );
  });
}

for (
  const text of [
    "10.1/24",
    "0x0a000001/24",
    "10.0.0.1 /24",
    "fe80::1%eth0/64",
    "10.0.0.1/33",
    "2001:db8::/129",
    "10.0.0.1/-1",
  ]
) {
  Deno.test(`case 10: other spellings of addresses are not CIDRs: ${JSON.stringify(text)}`, () => {
    assert.throws(() => parseCidr(text, "--subnet"), (e) => e instanceof UsageError && /is not a CIDR/.test(e.message));
  });
}

Deno.test("case 10: the leading-zero message says why (octal)", () => {
  assert.throws(
    () => parseCidr("010.0.0.1/24", "--address"),
    (e) =>
      e instanceof UsageError &&
      e.message ===
        "--address '010.0.0.1' has a leading zero: some tools read it as octal (010.0.0.1 = 8.0.0.1), others as decimal",
  );
});

Deno.test("case 10: full-migrate refuses leading zeros in --address and a zone in --address6 at plan time", async () => {
  const { fullMigrate } = await import("../../recipes/full_migrate.ts");
  const host: HostFacts = {
    ...EMPTY_FACTS,
    links: [...EMPTY_FACTS.links, { ifindex: 2, ifname: "eth0", flags: ["UP"], mtu: 1500, operstate: "UP" }],
    addrs: [{
      ifname: "eth0",
      addr_info: [{ family: "inet", local: "198.51.100.10", prefixlen: 24, scope: "global" }],
    }],
    routes4: [{ dst: "default", gateway: "198.51.100.1", dev: "eth0", flags: [] }],
  };
  const fm = (opts: Record<string, unknown>) =>
    fullMigrate.plan(fullMigrate.params.parse({ name: "f", ...opts }), host);
  assert.throws(
    () => fm({ address: "198.051.100.50/24" }),
    (e) => /--address '198\.051\.100\.50' has a leading zero/.test(refusal(e)),
  );
  assert.throws(
    () => fm({ address: "198.51.100.50/24", address6: "fe80::5%eth0/64" }),
    (e) => /--address6 'fe80::5%eth0\/64' is not a CIDR/.test(refusal(e)),
  );
});

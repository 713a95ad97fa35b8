/**
 * F6 and F7: full-migrate's `--address`/`--address6` are refused at plan time
 * (usage error, exit 2) when the namespace could not reach the host's gateway
 * with them, or when they are the LAN's network, broadcast or Subnet-Router
 * anycast address; `assertHostAddress` is the one check of a usable host
 * address both recipes share.
 */
import assert from "node:assert/strict";
import { fullMigrate } from "../../recipes/full_migrate.ts";
import { checkLanAddress } from "../../recipes/lan_address.ts";
import { assertHostAddress, parseSubnet } from "../../recipes/subnet.ts";
import { vethBridge } from "../../recipes/veth_bridge.ts";
import { EXIT, UsageError } from "../../src/errors.ts";
import { EMPTY_FACTS, type HostFacts } from "../../src/host/mod.ts";

/** The lab's host: eth0 198.51.100.10/24 and 2001:db8:1::10/64, gateways .1 and ::1. */
const HOST: HostFacts = {
  ...EMPTY_FACTS,
  links: [...EMPTY_FACTS.links, { ifindex: 2, ifname: "eth0", flags: ["UP"], mtu: 1500, operstate: "UP" }],
  addrs: [{
    ifname: "eth0",
    addr_info: [
      { family: "inet", local: "198.51.100.10", prefixlen: 24, scope: "global" },
      { family: "inet6", local: "2001:db8:1::10", prefixlen: 64, scope: "global" },
      { family: "inet6", local: "fe80::10", prefixlen: 64, scope: "link" },
    ],
  }],
  routes4: [{ dst: "default", gateway: "198.51.100.1", dev: "eth0", flags: [] }],
  routes6: [{ dst: "default", gateway: "2001:db8:1::1", dev: "eth0", flags: [] }],
};

const plan = (opts: Record<string, unknown>, host = HOST) =>
  fullMigrate.plan(fullMigrate.params.parse({ name: "fm", ...opts }), host);

/** Asserts a usage error (exit 2) whose message matches. */
function refused(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof UsageError, String(e));
    assert.equal(e.exitCode, EXIT.usage);
    assert.match(e.message, message);
    return true;
  });
}

Deno.test("F6: a prefix that leaves the host's gateway out is refused at plan time, naming the gateway and the prefix", () => {
  refused(
    () => plan({ address: "198.51.100.50/32" }),
    /^--address 198\.51\.100\.50\/32: the gateway 198\.51\.100\.1 is outside 198\.51\.100\.50\/32/,
  );
  refused(
    () => plan({ address: "198.51.100.50/31" }),
    /^--address 198\.51\.100\.50\/31: the gateway 198\.51\.100\.1 is outside 198\.51\.100\.50\/31/,
  );
  refused(
    () => plan({ address: "198.51.100.200/25" }),
    /^--address 198\.51\.100\.200\/25: the gateway 198\.51\.100\.1 is outside 198\.51\.100\.128\/25/,
  );
  refused(
    () => plan({ address: "198.51.100.50/24", address6: "2001:db8:1::50/128" }),
    /^--address6 2001:db8:1::50\/128: the gateway 2001:db8:1::1 is outside 2001:db8:1::50\/128/,
  );
  refused(
    () => plan({ address: "198.51.100.50/24", address6: "2001:db8:1:0:8000::50/65" }),
    /the gateway 2001:db8:1::1 is outside 2001:db8:1:0:8000::\/65/,
  );
  assert.throws(
    () => plan({ address: "198.51.100.50/32" }),
    (e) => e instanceof UsageError && /--address 198\.51\.100\.50\/24/.test(e.hint ?? ""),
  );
});

Deno.test("F6: a narrower prefix that still holds the gateway, and a link-local or host-routed gateway, are accepted", () => {
  const steps = plan({ address: "198.51.100.50/25" }).steps.map((s) => JSON.stringify(s));
  assert.ok(
    steps.some((s) =>
      s.includes('"dev":"eth0","netns":"fm","addr":{"family":"inet","local":"198.51.100.50","prefixlen":25}')
    ),
    steps.join("\n"),
  );
  // A link-local IPv6 gateway is on-link for any prefix (RFC 4861); a gateway behind a host route is not on the LAN's subnet.
  const ll: HostFacts = { ...HOST, routes6: [{ dst: "default", gateway: "fe80::1", dev: "eth0", flags: [] }] };
  assert.equal(checkLanAddress("2001:db8:1::50/128", "--address6", 6, ll, "eth0", "fe80::1").prefix, 128);
  assert.equal(checkLanAddress("198.51.100.50/24", "--address", 4, HOST, "eth0", "203.0.113.1").prefix, 24);
});

Deno.test("F7: full-migrate refuses the LAN's network, broadcast and Subnet-Router anycast addresses, of the given prefix and of the LAN's", () => {
  refused(
    () => plan({ address: "198.51.100.255/24" }),
    /^--address 198\.51\.100\.255 is the broadcast address of 198\.51\.100\.0\/24$/,
  );
  refused(
    () => plan({ address: "198.51.100.0/24" }),
    /^--address 198\.51\.100\.0 is the network address of 198\.51\.100\.0\/24$/,
  );
  refused(
    () => plan({ address: "198.51.100.127/25" }),
    /^--address 198\.51\.100\.127 is the broadcast address of 198\.51\.100\.0\/25$/,
  );
  // A /23 given on a /24 LAN: .255 is a host of the /23 but the LAN's broadcast.
  refused(
    () => plan({ address: "198.51.100.255/23" }),
    /^--address 198\.51\.100\.255 is the broadcast address of 198\.51\.100\.0\/24$/,
  );
  refused(
    () => plan({ address: "198.51.100.50/24", address6: "2001:db8:1::/64" }),
    /^--address6 2001:db8:1:: is the Subnet-Router anycast address \(RFC 4291\) of 2001:db8:1::\/64$/,
  );
});

Deno.test("F7: one check of a usable host address: /31 and /127 have no network or broadcast address, /32 and /128 are their one address", () => {
  for (
    const [a, s] of [
      ["10.77.0.0", "10.77.0.0/31"],
      ["10.77.0.1", "10.77.0.0/31"],
      ["10.77.0.5", "10.77.0.5/32"],
      ["2001:db8::", "2001:db8::/127"],
      ["2001:db8::1", "2001:db8::/127"],
      ["2001:db8::", "2001:db8::/128"],
      ["10.77.0.1", "10.77.0.0/30"],
    ]
  ) {
    assert.doesNotThrow(() => assertHostAddress(a, parseSubnet(s), "--address"), `${a} in ${s}`);
  }
  refused(
    () => assertHostAddress("10.77.0.3", parseSubnet("10.77.0.0/30"), "--address"),
    /broadcast address of 10\.77\.0\.0\/30/,
  );
  refused(
    () => assertHostAddress("10.77.0.0", parseSubnet("10.77.0.0/30"), "--address"),
    /network address of 10\.77\.0\.0\/30/,
  );
  refused(() => assertHostAddress("2001:db8::", parseSubnet("2001:db8::/126"), "--address"), /Subnet-Router anycast/);
  // veth-bridge goes through the same check.
  refused(
    () => vethBridge.plan(vethBridge.params.parse({ name: "x", address: "192.0.2.255/24" }), HOST),
    /^--address 192\.0\.2\.255 is the broadcast address of 192\.0\.2\.0\/24$/,
  );
});

/** A hosted server's uplink (M3): eth0 198.51.100.10/32, its gateway behind a `scope link` host route. */
const HOSTED: HostFacts = {
  ...HOST,
  addrs: [{
    ifname: "eth0",
    addr_info: [
      { family: "inet", local: "198.51.100.10", prefixlen: 32, scope: "global" },
      { family: "inet6", local: "2001:db8:1::10", prefixlen: 64, scope: "global" },
    ],
  }],
  routes4: [
    { dst: "198.51.100.1", dev: "eth0", scope: "link", flags: [] },
    { dst: "default", gateway: "198.51.100.1", dev: "eth0", flags: [] },
  ],
};

Deno.test("M3: on a /32 uplink a /32 --address is on the link (default route onlink); any other prefix is refused with what can be done", () => {
  assert.equal(checkLanAddress("203.0.113.7/32", "--address", 4, HOSTED, "eth0", "198.51.100.1").local, "203.0.113.7");
  const p = plan({ address: "198.51.100.50/32" }, HOSTED);
  const nsDefault = p.steps.find((s) => s.kind === "route-add" && s.netns === "fm");
  assert.deepEqual(nsDefault && "route" in nsDefault ? nsDefault.route : undefined, {
    family: 4,
    dst: "default",
    via: "198.51.100.1",
    dev: "eth0",
    onlink: true,
  });
  for (const address of ["198.51.100.50/24", "198.51.100.50/31"]) {
    refused(
      () => plan({ address }, HOSTED),
      new RegExp(
        `^--address ${address.replace(/\./g, "\\.")} is outside the uplink's subnets \\(198\\.51\\.100\\.10/32`,
      ),
    );
  }
  assert.throws(() => plan({ address: "198.51.100.50/24" }, HOSTED), (e: UsageError) => {
    assert.match(
      e.hint,
      /host prefixes \(\/32, a hosted server's setup\).*--address 198\.51\.100\.50\/32.*veth-bridge --nat/,
    );
    return true;
  });
  // The host's own address and its gateway stay refused; on a LAN uplink (/24) a /32 elsewhere is still outside.
  refused(() => plan({ address: "198.51.100.10/32" }, HOSTED), /already in use on this host/);
  refused(() => plan({ address: "203.0.113.7/32" }), /is outside the uplink's subnets \(198\.51\.100\.10\/24/);
});

Deno.test("full-migrate: the host's own IPv6 address is refused however it is spelled (upper case, zeros written out), as it is in canonical form", () => {
  for (
    const spelled of ["2001:db8:1::10/64", "2001:DB8:1::10/64", "2001:db8:1:0:0:0:0:10/64", "2001:0db8:1::0010/64"]
  ) {
    refused(
      () => plan({ address: "198.51.100.50/24", address6: spelled }),
      /^--address6 2001:db8:1::10 is already in use on this host$/,
    );
  }
  // The peer of a point-to-point address too (its 'address'), and a free address is still accepted in any spelling.
  const ptp: HostFacts = {
    ...HOST,
    addrs: [{
      ...HOST.addrs[0],
      addr_info: [...HOST.addrs[0].addr_info, {
        family: "inet6",
        local: "2001:db8:1::30",
        address: "2001:db8:1::31",
        prefixlen: 128,
        scope: "global",
      }],
    }],
  };
  refused(
    () => plan({ address: "198.51.100.50/24", address6: "2001:DB8:1::31/64" }, ptp),
    /^--address6 2001:db8:1::31 is the peer of this host's point-to-point address 2001:db8:1::30$/,
  );
  assert.ok(plan({ address: "198.51.100.50/24", address6: "2001:DB8:1::50/64" }).steps.length > 0);
  // Each refusal names the option given: --address6 for the IPv6 one.
  refused(
    () => plan({ address: "198.51.100.50/24", address6: "2001:db8:9::5/64" }),
    /^--address6 2001:db8:9::5\/64 is outside the uplink's subnets \(198\.51\.100\.10\/24, 2001:db8:1::10\/64\)$/,
  );
  refused(() => plan({ address: "198.51.100.10/24" }), /^--address 198\.51\.100\.10 is already in use on this host$/);
});

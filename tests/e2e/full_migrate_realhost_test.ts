/**
 * Issue 9: full-migrate on hosts set up as real ones are (NetworkManager
 * uplinks, gateways behind host routes, policy rules, per-interface settings,
 * address flags, permanent neighbours). Each case: the run succeeds, the host
 * reaches its gateway through br0, the namespace reaches the LAN, and undo
 * restores the snapshot exactly (a second undo is a no-op).
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { snapshotDiff, type TestLab, withLab } from "../support/lab.ts";
import { migrateAndUndo, routeLines, setup } from "../support/migrate.ts";
import { waitFor } from "../support/wait.ts";
import { selfArgv } from "../../src/lab/mod.ts";

/** NetworkManager's way: addresses with noprefixroute, subnet routes `proto kernel` with the connection's metric. */
const NM_UPLINK = [
  ["ip", "addr", "flush", "dev", "eth0", "scope", "global"],
  ["ip", "-6", "route", "del", "default", "dev", "eth0"],
  ["ip", "addr", "add", "198.51.100.10/24", "dev", "eth0", "noprefixroute"],
  [
    "ip",
    "route",
    "add",
    "198.51.100.0/24",
    "dev",
    "eth0",
    "proto",
    "kernel",
    "scope",
    "link",
    "src",
    "198.51.100.10",
    "metric",
    "100",
  ],
  ["ip", "route", "add", "default", "via", "198.51.100.1", "dev", "eth0", "proto", "static", "metric", "100"],
  ["ip", "-6", "addr", "add", "2001:db8:1::10/64", "dev", "eth0", "noprefixroute", "nodad"],
  ["ip", "-6", "route", "add", "2001:db8:1::/64", "dev", "eth0", "proto", "kernel", "metric", "100"],
  ["ip", "-6", "route", "add", "default", "via", "2001:db8:1::1", "dev", "eth0", "proto", "static", "metric", "100"],
];

Deno.test("case 1: a NetworkManager-style uplink (noprefixroute, proto kernel subnet route, proto static default) moves with every route exact", async () => {
  await withLab(async (lab) => {
    await setup(lab, NM_UPLINK);
    await migrateAndUndo(lab, {
      during: async () => {
        assert.deepEqual(await routeLines(lab, ["-4", "route", "show", "dev", "br0"]), [
          "default via 198.51.100.1 proto static metric 100",
          "198.51.100.0/24 proto kernel scope link src 198.51.100.10 metric 100",
        ]);
        assert.deepEqual(
          (await routeLines(lab, ["-6", "route", "show", "dev", "br0"])).filter((l) => !l.startsWith("fe80")),
          [
            "2001:db8:1::/64 proto kernel metric 100 pref medium",
            "default via 2001:db8:1::1 proto static metric 100 pref medium",
          ],
        );
        assert.deepEqual(await routeLines(lab, ["-4", "route", "show", "dev", "eth0"]), []);
      },
    });
  });
});

Deno.test("case 1: a DHCP-client-style uplink (proto dhcp default with src, metric 600, noprefixroute subnet route at 600) moves exactly", async () => {
  await withLab(async (lab) => {
    await setup(lab, [
      ["ip", "addr", "flush", "dev", "eth0", "scope", "global"],
      ["ip", "-6", "route", "del", "default", "dev", "eth0"],
      ["ip", "addr", "add", "198.51.100.10/24", "dev", "eth0", "noprefixroute"],
      ["ip", "-6", "addr", "add", "2001:db8:1::10/64", "dev", "eth0", "nodad"],
      [
        "ip",
        "route",
        "add",
        "198.51.100.0/24",
        "dev",
        "eth0",
        "proto",
        "dhcp",
        "scope",
        "link",
        "src",
        "198.51.100.10",
        "metric",
        "600",
      ],
      [
        "ip",
        "route",
        "add",
        "default",
        "via",
        "198.51.100.1",
        "dev",
        "eth0",
        "proto",
        "dhcp",
        "src",
        "198.51.100.10",
        "metric",
        "600",
      ],
      ["ip", "-6", "route", "add", "default", "via", "2001:db8:1::1", "dev", "eth0", "proto", "77", "metric", "600"],
    ]);
    await migrateAndUndo(lab, {
      during: async () => {
        assert.deepEqual(await routeLines(lab, ["-4", "route", "show", "dev", "br0"]), [
          "default via 198.51.100.1 proto dhcp src 198.51.100.10 metric 600",
          "198.51.100.0/24 proto dhcp scope link src 198.51.100.10 metric 600",
        ]);
        assert.ok(
          (await routeLines(lab, ["-6", "route", "show", "default"])).includes(
            "default via 2001:db8:1::1 dev br0 proto 77 metric 600 pref medium",
          ),
        );
      },
    });
  });
});

Deno.test("case 2: a default whose gateway is reached through a host route moves after it (main table and table 100, IPv4 and IPv6)", async () => {
  await withLab(async (lab) => {
    await setup(lab, [
      // The LAN's router also answers for 203.0.113.1 and 192.0.2.1, and knows 2001:db8:ff::1.
      ["ip", "-n", "lab-lan", "addr", "add", "203.0.113.1/32", "dev", "lanbr"],
      ["ip", "-n", "lab-lan", "addr", "add", "192.0.2.1/24", "dev", "lanbr"],
      ["ip", "-n", "lab-lan", "-6", "addr", "add", "2001:db8:ff::1/128", "dev", "lanbr", "nodad"],
      ["ip", "-n", "lab-lan", "-6", "addr", "add", "2001:db8:77::1/64", "dev", "lanbr", "nodad"],
      ["ip", "route", "add", "203.0.113.1", "dev", "eth0", "scope", "link"],
      ["ip", "route", "add", "192.0.2.0/24", "via", "203.0.113.1", "dev", "eth0"],
      ["ip", "route", "add", "203.0.113.1", "dev", "eth0", "scope", "link", "table", "100"],
      ["ip", "route", "add", "default", "via", "203.0.113.1", "dev", "eth0", "table", "100"],
      ["ip", "route", "add", "10.9.0.0/16", "via", "198.51.100.254", "dev", "eth0", "onlink"],
      ["ip", "-6", "route", "add", "2001:db8:ff::1", "dev", "eth0"],
      ["ip", "-6", "route", "add", "2001:db8:77::/64", "via", "2001:db8:ff::1", "dev", "eth0"],
      // An IPv6 gateway outside every prefix of the link, declared on-link.
      ["ip", "-n", "lab-lan", "-6", "addr", "add", "2001:db8:fe::1/128", "dev", "lanbr", "nodad"],
      ["ip", "-n", "lab-lan", "-6", "addr", "add", "2001:db8:88::1/64", "dev", "lanbr", "nodad"],
      ["ip", "-6", "route", "add", "2001:db8:88::/64", "via", "2001:db8:fe::1", "dev", "eth0", "onlink"],
    ]);
    const plan = await lab.nsrecipe(["plan", "full-migrate", "--name", "ns", "--address", "198.51.100.50/24"]);
    assert.equal(plan.code, 0, plan.stderr);
    const at = (re: RegExp) => {
      const i = plan.stdout.split("\n").findIndex((l) => re.test(l));
      assert.ok(i >= 0, `${re} in the plan`);
      return i;
    };
    assert.ok(
      at(/route add 203\.0\.113\.1 dev br0 scope link metric 0$/) <
        at(/route add 192\.0\.2\.0\/24 via 203\.0\.113\.1 dev br0/),
    );
    assert.ok(
      at(/route add 203\.0\.113\.1 dev br0 scope link .*table 100/) <
        at(/route add default via 203\.0\.113\.1 dev br0 .*table 100/),
    );
    assert.ok(
      at(/-6 route add 2001:db8:ff::1 dev br0/) < at(/-6 route add 2001:db8:77::\/64 via 2001:db8:ff::1 dev br0/),
    );
    await migrateAndUndo(lab, {
      hostTargets: ["192.0.2.1", "2001:db8:77::1", "2001:db8:88::1"],
      during: async () => {
        assert.match(
          (await routeLines(lab, ["-6", "route", "show", "2001:db8:88::/64"])).join("\n"),
          /^2001:db8:88::\/64 via 2001:db8:fe::1 dev br0 metric 1024 onlink pref medium$/,
        );
        assert.deepEqual(await routeLines(lab, ["route", "show", "table", "100"]), [
          "default via 203.0.113.1 dev br0",
          "203.0.113.1 dev br0 scope link",
        ]);
      },
    });
  });
});

/** The addresses of a link as `ip -json addr` shows them, without the lifetimes' seconds. */
async function addrInfo(lab: TestLab, dev: string): Promise<Record<string, unknown>[]> {
  const r = await lab.sh(["ip", "-json", "addr", "show", "dev", dev]);
  assert.equal(r.code, 0, r.stderr);
  const list = JSON.parse(r.stdout)[0].addr_info as Record<string, unknown>[];
  return list.filter((a) => a.scope === "global").map((a) => {
    const { valid_life_time, preferred_life_time, ...rest } = a;
    const finite = (v: unknown) => (v === 4294967295 ? "forever" : "finite");
    return {
      ...rest,
      label: rest.label === undefined ? undefined : String(rest.label).replace(dev, "DEV"),
      lifetimes: `${finite(valid_life_time)}/${finite(preferred_life_time)}`,
    };
  });
}

Deno.test("case 6: every address flag, label, metric and lifetime, and permanent and proxy neighbours, move to br0 and come back exactly", async () => {
  await withLab(async (lab) => {
    const gwMac = JSON.parse((await lab.sh(["ip", "-n", "lab-lan", "-json", "link", "show", "dev", "lanbr"])).stdout)[0]
      .address as string;
    await setup(lab, [
      // A bridge made now runs duplicate address detection, as on a real host.
      ["sysctl", "-q", "-w", "net.ipv6.conf.default.accept_dad=1"],
      ["ip", "-6", "addr", "add", "2001:db8:1::30/64", "dev", "eth0", "nodad", "mngtmpaddr"],
      ["ip", "-6", "addr", "add", "2001:db8:1::31/64", "dev", "eth0", "home"],
      ["ip", "-6", "addr", "add", "2001:db8:1::32/64", "dev", "eth0", "valid_lft", "3000", "preferred_lft", "2000"],
      ["ip", "-6", "addr", "add", "2001:db8:1::33/64", "dev", "eth0", "noprefixroute", "metric", "300", "optimistic"],
      ["ip", "addr", "add", "198.51.100.12/24", "dev", "eth0", "label", "eth0:x", "noprefixroute", "metric", "7"],
      ["ip", "addr", "add", "192.0.2.10/24", "dev", "eth0", "metric", "9"],
      ["ip", "neigh", "replace", "198.51.100.1", "lladdr", gwMac, "dev", "eth0", "nud", "permanent"],
      ["ip", "-6", "neigh", "replace", "2001:db8:1::1", "lladdr", gwMac, "dev", "eth0", "nud", "permanent", "router"],
      ["ip", "neigh", "add", "proxy", "198.51.100.77", "dev", "eth0"],
    ]);
    const onEth0 = await addrInfo(lab, "eth0");
    assert.equal(onEth0.length, 8);
    await migrateAndUndo(lab, {
      extra: ["--force"],
      during: async () => {
        assert.deepEqual(await addrInfo(lab, "br0"), onEth0, "br0 holds eth0's addresses with every attribute");
        assert.deepEqual(await addrInfo(lab, "eth0"), []);
        const neigh = JSON.parse((await lab.sh(["ip", "-json", "neigh", "show", "nud", "permanent"])).stdout);
        assert.deepEqual(neigh, [
          { dst: "198.51.100.1", dev: "br0", lladdr: gwMac, state: ["PERMANENT"] },
          { dst: "2001:db8:1::1", dev: "br0", lladdr: gwMac, router: null, state: ["PERMANENT"] },
        ]);
        assert.deepEqual(JSON.parse((await lab.sh(["ip", "-json", "neigh", "show", "proxy"])).stdout), [
          { dst: "198.51.100.77", dev: "br0", proxy: null },
        ]);
      },
    });
  });
});

/** `ip [-6] rule show` as trimmed lines. */
const ruleLines = (lab: TestLab, family: "-4" | "-6") => routeLines(lab, [family, "rule", "show"]);

Deno.test("case 5: rules naming the uplink (iif, oif, with other selectors and actions, both families) move to br0 and back; a 'from' rule keeps working", async () => {
  await withLab(async (lab) => {
    await setup(lab, [
      ["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"],
      ["ip", "-n", "lab-lan", "addr", "add", "192.0.2.1/24", "dev", "lanbr"],
      ["ip", "route", "add", "192.0.2.0/24", "via", "198.51.100.1", "dev", "eth0", "table", "100"],
      ["ip", "route", "add", "203.0.113.0/24", "via", "198.51.100.1", "dev", "eth0", "table", "200"],
      ["ip", "-6", "route", "add", "2001:db8:77::/64", "via", "2001:db8:1::1", "dev", "eth0", "table", "100"],
      ["ip", "rule", "add", "from", "198.51.100.10", "lookup", "100", "pref", "90"],
      ["ip", "rule", "add", "iif", "eth0", "lookup", "100", "pref", "100"],
      ["ip", "rule", "add", "oif", "eth0", "lookup", "200", "pref", "110", "protocol", "static"],
      [
        "ip",
        "rule",
        "add",
        "iif",
        "eth0",
        "fwmark",
        "0x10/0xff",
        "ipproto",
        "tcp",
        "dport",
        "22",
        "sport",
        "1000-2000",
        "goto",
        "32766",
        "pref",
        "120",
      ],
      ["ip", "rule", "add", "iif", "eth0", "lookup", "main", "suppress_prefixlength", "0", "pref", "130"],
      ["ip", "rule", "add", "not", "from", "198.51.100.0/24", "iif", "eth0", "lookup", "100", "pref", "140"],
      ["ip", "rule", "add", "iif", "eth0", "to", "10.0.0.0/8", "blackhole", "pref", "150"],
      ["ip", "-6", "rule", "add", "iif", "eth0", "lookup", "100", "pref", "100"],
      ["ip", "-6", "rule", "add", "oif", "eth0", "from", "2001:db8:1::/64", "lookup", "100", "pref", "110"],
    ]);
    const before4 = await ruleLines(lab, "-4"), before6 = await ruleLines(lab, "-6");
    const plan = await lab.nsrecipe(["plan", "full-migrate", "--name", "ns", "--address", "198.51.100.50/24"]);
    assert.equal(plan.code, 0, plan.stderr);
    for (
      const rule of [
        "-4 rule add priority 100 iif br0",
        "-4 rule del priority 100 iif eth0",
        "-6 rule add priority 110",
      ]
    ) {
      assert.ok(plan.stdout.includes(`ip ${rule}`), `the plan shows 'ip ${rule}'`);
    }
    await migrateAndUndo(lab, {
      hostTargets: [],
      during: async () => {
        const swap = (l: string) => l.replaceAll("eth0", "br0");
        assert.deepEqual(await ruleLines(lab, "-4"), before4.map(swap));
        assert.deepEqual(await ruleLines(lab, "-6"), before6.map(swap));
        // The kernel's own choice for traffic from the LAN and to the uplink now.
        assert.match(
          (await lab.sh(["ip", "route", "get", "192.0.2.1", "from", "198.51.100.20", "iif", "br0"])).stdout,
          /via 198\.51\.100\.1 dev br0 table 100/,
        );
        assert.match(
          (await lab.sh(["ip", "route", "get", "203.0.113.7", "oif", "br0"])).stdout,
          /via 198\.51\.100\.1 dev br0 table 200/,
        );
        assert.equal((await lab.sh(["ping", "-c", "1", "-W", "2", "-I", "198.51.100.10", "192.0.2.1"])).code, 0);
      },
    });
  });
});

Deno.test("case 5: nftables rules matching the uplink by name are reported by doctor, plan and run before any change; --force goes ahead", async () => {
  await withLab(async (lab) => {
    const ruleset = [
      "table inet filter {",
      "  chain input { type filter hook input priority 0; policy accept;",
      '    iifname "eth0" tcp dport 22 accept',
      "  }",
      "  chain forward { type filter hook forward priority 0; policy accept;",
      '    oifname "eth*" counter',
      '    iifname { "wg0", "eth0" } counter',
      "  }",
      "}",
      "table bridge keep {",
      "  chain c { type filter hook forward priority 0;",
      '    iifname "eth0" counter',
      "  }",
      "}",
    ].join("\n");
    const loaded = await lab.sh(["nft", "-f", "-"], ruleset);
    assert.equal(loaded.code, 0, loaded.stderr);
    const before = await lab.snapshot();
    const doctor = await lab.nsrecipe(["--json", "doctor"]);
    const found = (JSON.parse(doctor.stdout) as { findings: { id: string; verdict: string; summary: string }[] })
      .findings.find((f) => f.id === "uplink-refs");
    assert.equal(found?.verdict, "warn", doctor.stdout);
    assert.match(found?.summary ?? "", /nft rule inet filter input \(handle \d+\): iifname == "eth0"/);
    for (const cmd of ["plan", "run"]) {
      const r = await lab.nsrecipe([
        cmd,
        "full-migrate",
        "--name",
        "ns",
        "--address",
        "198.51.100.50/24",
        "--",
        "true",
      ]);
      assert.equal(r.code, 3, `${cmd}: ${r.code} ${r.stderr}`);
      assert.match(r.stderr, /nft rule inet filter input \(handle \d+\): iifname == "eth0"/);
      assert.match(r.stderr, /nft rule inet filter forward \(handle \d+\): oifname == "eth\*"/);
      assert.doesNotMatch(r.stderr, /bridge keep/, "bridge-family rules still see the port");
      assert.match(r.stderr, /--force/);
      assert.deepEqual(await lab.snapshot(), before);
    }
    const plan = await lab.nsrecipe([
      "plan",
      "full-migrate",
      "--name",
      "ns",
      "--address",
      "198.51.100.50/24",
      "--force",
    ]);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout + plan.stderr, /Firewall rules match on 'eth0'.*Going ahead \(--force\)/);
    await migrateAndUndo(lab, { extra: ["--force"] });
  });
});

/** Per-interface settings of the uplink that differ from the defaults (issue 9, case 4, and more of the kind). */
const UPLINK_SETTINGS: [string, string][] = [
  ["net.ipv4.conf.eth0.arp_ignore", "1"],
  ["net.ipv4.conf.eth0.arp_announce", "2"],
  ["net.ipv4.conf.eth0.rp_filter", "2"],
  ["net.ipv4.conf.eth0.proxy_arp", "1"],
  ["net.ipv4.conf.eth0.arp_filter", "1"],
  ["net.ipv4.conf.eth0.drop_gratuitous_arp", "1"],
  ["net.ipv4.conf.eth0.log_martians", "1"],
  ["net.ipv6.conf.eth0.accept_ra", "2"],
  ["net.ipv6.conf.eth0.autoconf", "0"],
  ["net.ipv6.conf.eth0.forwarding", "1"],
  ["net.ipv6.conf.eth0.hop_limit", "32"],
  ["net.ipv4.neigh.eth0.base_reachable_time_ms", "60000"],
];

Deno.test("case 4: the uplink's per-interface settings (ARP, rp_filter, proxy_arp, IPv6 RA and forwarding, neighbour timers, N22: its stable_secret, never shown, with no failing sysctl) move to br0; undo restores all", async () => {
  await withLab(async (lab) => {
    await setup(lab, [
      ["sysctl", "-q", "-w", ...UPLINK_SETTINGS.map(([k, v]) => `${k}=${v}`)],
      ["sysctl", "-q", "-w", "net.ipv6.conf.eth0.stable_secret=2001:db8::77"],
    ]);
    const plan = await lab.nsrecipe(["plan", "full-migrate", "--name", "ns", "--address", "198.51.100.50/24"]);
    assert.equal(plan.code, 0, plan.stderr);
    for (const [k, v] of UPLINK_SETTINGS) {
      const slash = k.replace("eth0", "br0").replaceAll(".", "/");
      assert.match(plan.stdout, new RegExp(`sysctl -q -w ${slash}=${v}\\n`), `${k} is carried`);
    }
    // N22: the secret is carried (first, then the stable_privacy mode it set), never shown.
    assert.match(plan.stdout, /set net\.ipv6\.conf\.br0\.stable_secret = \(secret\)\n +sysctl -q -p -\n/);
    assert.match(plan.stdout, /set net\.ipv6\.conf\.br0\.addr_gen_mode = 2\n/);
    assert.doesNotMatch(plan.stdout + plan.stderr, /Not carried/);
    const verbose = await lab.nsrecipe([
      "--verbose",
      "plan",
      "full-migrate",
      "--name",
      "ns",
      "--address",
      "198.51.100.50/24",
    ]);
    assert.equal(verbose.code, 0, verbose.stderr);
    assert.doesNotMatch(
      verbose.stdout + verbose.stderr,
      /2001:0?db8:(0000:)*:?0*77|db8::77/,
      "the secret is never shown",
    );
    const sysctls = verbose.stderr.split("\n").filter((l) => /^\$ sysctl /.test(l));
    // The uplink's setting names, their values, the secret of a stable_privacy uplink (ip_forward is read only for
    // --nat, which full-migrate does not take).
    assert.equal(sysctls.length, 3, sysctls.join("\n"));
    assert.ok(!sysctls.some((l) => l.includes("ip_forward")), sysctls.join("\n"));
    assert.ok(sysctls.some((l) => l.startsWith("$ sysctl -N -e ")), sysctls.join("\n"));
    assert.ok(sysctls.some((l) => l.startsWith("$ sysctl -n net/ipv6/conf/eth0/stable_secret ")), sysctls.join("\n"));
    for (const l of sysctls) assert.match(l, /\(exit 0, /, "no sysctl fails");
    await migrateAndUndo(lab, {
      during: async () => {
        const secret = await lab.sh([
          "sysctl",
          "-n",
          "net.ipv6.conf.br0.stable_secret",
          "net.ipv6.conf.br0.addr_gen_mode",
        ]);
        assert.equal(secret.stdout, "2001:0db8:0000:0000:0000:0000:0000:0077\n2\n", "br0 generates from eth0's secret");
        const keys = UPLINK_SETTINGS.map(([k]) => k.replace("eth0", "br0"));
        const r = await lab.sh(["sysctl", ...keys]);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(
          r.stdout.trim().split("\n"),
          UPLINK_SETTINGS.map(([k, v]) => `${k.replace("eth0", "br0")} = ${v}`),
        );
      },
    });
  });
});

Deno.test("a failure at each new kind of step (setting, neighbour, rule, route, address) rolls the rich host back exactly", async () => {
  await withLab(async (lab) => {
    await setup(lab, [
      ...NM_UPLINK,
      ["sysctl", "-q", "-w", "net.ipv4.conf.eth0.arp_ignore=1", "net.ipv6.conf.eth0.accept_ra=2"],
      ["ip", "route", "add", "203.0.113.1", "dev", "eth0", "scope", "link", "table", "100"],
      ["ip", "route", "add", "default", "via", "203.0.113.1", "dev", "eth0", "table", "100"],
      ["ip", "rule", "add", "iif", "eth0", "lookup", "100", "pref", "100"],
      ["ip", "-6", "rule", "add", "oif", "eth0", "lookup", "100", "pref", "100"],
      ["ip", "neigh", "add", "198.51.100.99", "lladdr", "02:00:00:00:00:99", "dev", "eth0", "nud", "permanent"],
      ["ip", "neigh", "add", "proxy", "198.51.100.77", "dev", "eth0"],
    ]);
    const args = ["full-migrate", "--name", "f", "--address", "198.51.100.50/24"];
    const planned = JSON.parse((await lab.nsrecipe(["--json", "plan", ...args])).stdout) as {
      steps: { step: { kind: string; route?: { dev?: string; dst: string } } }[];
    };
    const kinds = planned.steps.map((s) => s.step.kind);
    const onBridge = planned.steps.flatMap((s, i) => (s.step.route?.dev === "br0" ? [i] : []));
    const at = [
      kinds.indexOf("link-sysctl-set"),
      kinds.indexOf("neigh-add"),
      kinds.indexOf("rule-add"),
      onBridge[onBridge.length - 1], // the last route re-added on br0, after those it relies on
      kinds.indexOf("rule-del"),
      kinds.lastIndexOf("neigh-del"),
      kinds.lastIndexOf("addr-del"),
    ];
    assert.ok(at.every((i) => i > 0), `every kind is planned: ${kinds.join(" ")}`);
    assert.ok(onBridge.length >= 4, "the uplink's routes are re-added on br0");
    const before = await lab.snapshot();
    for (const index of at) {
      const r = await lab.nsrecipe(["run", ...args, "--", "true"], {
        NSRECIPE_TEST_FAULT: `i-understand-this-breaks-nsrecipe:fail@step:${index}`,
      });
      assert.equal(r.code, EXIT.rolledBack, `fault at step ${index} (${kinds[index]}): ${r.stderr}`);
      const after = await lab.snapshot();
      assert.deepEqual(after, before, `fault at step ${index} (${kinds[index]}): ${snapshotDiff(before, after)}`);
    }
  });
});

Deno.test("N22: without any stable_secret, plan --verbose runs no failing sysctl and reads no secret; with only the namespace's default secret (eth0 in stable_privacy mode, its own secret unset), br0 generates from that secret and the run and undo succeed", async () => {
  await withLab(async (lab) => {
    const args = ["full-migrate", "--name", "ns", "--address", "198.51.100.50/24"];
    const verbose = await lab.nsrecipe(["--verbose", "plan", ...args]);
    assert.equal(verbose.code, 0, verbose.stderr);
    const sysctls = verbose.stderr.split("\n").filter((l) => /^\$ sysctl /.test(l));
    assert.equal(sysctls.length, 2, sysctls.join("\n")); // the setting names; their values
    for (const l of sysctls) assert.match(l, /\(exit 0, /, "no sysctl fails");
    assert.doesNotMatch(verbose.stderr, /stable_secret/);
    // Written to default once eth0 exists: the kernel sets eth0's mode to stable_privacy, and links made later
    // (br0) copy default's secret (net/ipv6/addrconf.c).
    await setup(lab, [["sysctl", "-q", "-w", "net.ipv6.conf.default.stable_secret=2001:db8::99"]]);
    assert.equal((await lab.sh(["sysctl", "-n", "net.ipv6.conf.eth0.addr_gen_mode"])).stdout, "2\n");
    await migrateAndUndo(lab, {
      during: async () => {
        const br0 = await lab.sh([
          "sysctl",
          "-n",
          "net.ipv6.conf.br0.stable_secret",
          "net.ipv6.conf.br0.addr_gen_mode",
        ]);
        assert.equal(br0.stdout, "2001:0db8:0000:0000:0000:0000:0000:0099\n2\n");
      },
    });
  });
});

/**
 * Runs full-migrate stopped (SIGSTOP, the fault hook) once its last step is done, calls `meddle` while it is
 * stopped, lets it go on and returns how it ended.
 */
async function migrateMeddled(lab: TestLab, meddle: () => Promise<void>): Promise<{ code: number; stderr: string }> {
  const args = ["full-migrate", "--name", "ns", "--address", "198.51.100.50/24", "--address6", "2001:db8:1::50/64"];
  const planned = JSON.parse((await lab.nsrecipe(["--json", "plan", ...args])).stdout).steps.length;
  const child = lab.spawn([
    "env",
    `NSRECIPE_TEST_FAULT=i-understand-this-breaks-nsrecipe:stop@after-done:${planned - 1}`,
    ...selfArgv(),
    "run",
    ...args,
    "--no-confirm",
  ]);
  let pid = "";
  await waitFor("the switch to stop after its last step", async () => {
    const begin = (await lab.sh(["cat", "/run/nsrecipe/journal.jsonl"])).stdout.split("\n").findLast((l) =>
      l.includes('"run-begin"')
    );
    pid = begin ? String(JSON.parse(begin).pid) : "";
    return pid !== "" && (await lab.sh(["ps", "-o", "stat=", "-p", pid])).stdout.trim().startsWith("T");
  });
  await meddle();
  await lab.sh(["kill", "-CONT", pid]);
  Deno.kill(child.pid, "SIGCONT"); // nsenter(1) stopped itself with its child
  const out = await child.output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("F3: what the uplink carried to br0 is checked once the switch is done: a setting reset, an address and a route gone, the MTU changed (as a network manager would) roll the run back, naming each; the host is as before", async () => {
  await withLab(async (lab) => {
    await setup(lab, [
      ["sysctl", "-q", "-w", "net.ipv4.conf.eth0.arp_ignore=1"],
      ["ip", "route", "add", "203.0.113.0/24", "via", "198.51.100.1", "dev", "eth0", "proto", "static", "metric", "50"],
    ]);
    const before = await lab.snapshot();
    const r = await migrateMeddled(lab, async () => {
      for (
        const c of [
          ["sysctl", "-q", "-w", "net.ipv4.conf.br0.arp_ignore=0"],
          ["ip", "-6", "addr", "del", "2001:db8:1::10/64", "dev", "br0"],
          ["ip", "route", "del", "203.0.113.0/24", "dev", "br0"],
          ["ip", "link", "set", "dev", "br0", "mtu", "1400"],
        ]
      ) assert.equal((await lab.sh(c)).code, 0, c.join(" "));
    });
    assert.equal(r.code, EXIT.rolledBack, r.stderr);
    assert.match(r.stderr, /Once every step was done, 4 step\(s\) no longer held as planned: /);
    assert.match(
      r.stderr,
      /create bridge 'br0' \(STP off, MAC 02:00:00:00:10:10\)\): bridge 'br0' has MTU 1400, not 1500/,
    );
    assert.match(r.stderr, /set net\.ipv4\.conf\.br0\.arp_ignore = 1\): net\.ipv4\.conf\.br0\.arp_ignore is 0, not 1/);
    assert.match(r.stderr, /add address 2001:db8:1::10\/64 to 'br0'\): /);
    assert.match(r.stderr, /add route 203\.0\.113\.0\/24 via 198\.51\.100\.1 dev br0\): /);
    assert.match(r.stderr, /Every step was rolled back/);
    assert.deepEqual(await lab.snapshot(), before, snapshotDiff(before, await lab.snapshot()));
  });
});

Deno.test("M7: an uplink with stable-privacy IPv6 (addr_gen_mode 2 and its stable_secret, NetworkManager's default) keeps its link-local address on br0 while migrated (peers using it as next hop keep working); undo restores all", async () => {
  await withLab(async (lab) => {
    // The link-local address is generated when the link comes up: down and up again, then the lab's addresses
    // and default routes that went with it.
    await setup(lab, [
      [
        "sysctl",
        "-q",
        "-w",
        "net.ipv6.conf.eth0.stable_secret=2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff",
        "net.ipv6.conf.eth0.addr_gen_mode=2",
      ],
      ["ip", "link", "set", "eth0", "down"],
      ["ip", "link", "set", "eth0", "up"],
      ["ip", "route", "add", "default", "via", "198.51.100.1", "dev", "eth0", "metric", "100"],
      ["ip", "-6", "addr", "add", "2001:db8:1::10/64", "dev", "eth0", "nodad"],
    ]);
    await setup(lab, [["ip", "-6", "route", "add", "default", "via", "2001:db8:1::1", "dev", "eth0"]]);
    const linkLocal = async (dev: string) =>
      (await lab.sh(["ip", "-6", "-br", "addr", "show", "dev", dev, "scope", "link"])).stdout.match(/fe80::\S+/)?.[0];
    const before = await linkLocal("eth0");
    assert.ok(before && before !== "fe80::ff:fe00:1010/64", `eth0's link-local is stable-privacy: ${before}`);
    await migrateAndUndo(lab, {
      during: async () => assert.equal(await linkLocal("br0"), before, "br0 has eth0's link-local address"),
    });
    assert.equal(await linkLocal("eth0"), before);
  });
});

/**
 * Hostile findings F1 and F8: every route through the uplink that nobody
 * re-creates on the bridge moves with every attribute (router-advertisement
 * and DHCPv6 routes with their preference and lifetime; an admin's routes in
 * table `local`) and comes back on undo. While applied the host and the
 * namespace reach the LAN and beyond it on both families.
 */
import assert from "node:assert/strict";
import { snapshotDiff, withLab } from "../support/lab.ts";
import { migrateAndUndo, ping, routeLines, setup } from "../support/migrate.ts";

/** The link-local address of the LAN's router (on `lanbr` in `lab-lan`), the gateway its RAs announce. */
const GW_LL = "fe80::1";

/** The router beyond the LAN: addresses on lab-lan's loopback, reached only through a gateway. */
const BEYOND = [
  ["ip", "-n", "lab-lan", "addr", "add", "192.0.2.1/32", "dev", "lo"],
  ["ip", "-n", "lab-lan", "-6", "addr", "add", "2001:db8:ff::1/128", "dev", "lo"],
  ["ip", "-n", "lab-lan", "-6", "addr", "add", "2001:db8:ee::1/128", "dev", "lo"],
  ["ip", "-n", "lab-lan", "-6", "addr", "add", "2001:db8:dd::1/128", "dev", "lo"],
];

Deno.test("F1: an uplink set up by a user-space RA client (proto ra prefix and default routes via the router's link-local address, pref, expires) and a proto dhcp route move to br0 and back", async () => {
  await withLab(async (lab) => {
    const gw = GW_LL;
    await setup(lab, [
      ["ip", "-n", "lab-lan", "-6", "addr", "add", `${GW_LL}/64`, "dev", "lanbr", "nodad"],
      ...BEYOND,
      // NetworkManager's IPv6: noprefixroute address, the prefix and default routes `proto ra` with the connection's metric.
      ["ip", "-6", "route", "del", "default", "via", "2001:db8:1::1", "dev", "eth0"],
      ["ip", "-6", "addr", "del", "2001:db8:1::10/64", "dev", "eth0"],
      ["ip", "-6", "addr", "add", "2001:db8:1::10/64", "dev", "eth0", "noprefixroute", "nodad"],
      ["ip", "-6", "route", "add", "2001:db8:1::/64", "dev", "eth0", "proto", "ra", "metric", "100", "pref", "medium"],
      [
        "ip",
        "-6",
        "route",
        "add",
        "default",
        "via",
        gw,
        "dev",
        "eth0",
        "proto",
        "ra",
        "metric",
        "100",
        "pref",
        "medium",
      ],
      // A route information option (RFC 4191) as the kernel learns it: preference high, a lifetime.
      [
        "ip",
        "-6",
        "route",
        "add",
        "2001:db8:ee::/48",
        "via",
        gw,
        "dev",
        "eth0",
        "proto",
        "ra",
        "metric",
        "1024",
        "pref",
        "high",
        "expires",
        "900",
      ],
      // A DHCPv6 client's route, preference low.
      [
        "ip",
        "-6",
        "route",
        "add",
        "2001:db8:dd::/48",
        "via",
        "2001:db8:1::1",
        "dev",
        "eth0",
        "proto",
        "dhcp",
        "pref",
        "low",
      ],
    ]);
    for (const t of ["2001:db8:ff::1", "2001:db8:ee::1", "2001:db8:dd::1"]) {
      assert.equal((await ping(lab, t)).code, 0, `before: host -> ${t}`);
    }
    const plan = await lab.nsrecipe(["plan", "full-migrate", "--name", "ns", "--address", "198.51.100.50/24"]);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, new RegExp(`ip -6 route add default via ${gw} dev br0 proto ra metric 100\\n`));
    await migrateAndUndo(lab, {
      hostTargets: ["192.0.2.1", "2001:db8:ff::1", "2001:db8:ee::1", "2001:db8:dd::1"],
      nsTargets: ["192.0.2.1", "2001:db8:ff::1"],
      during: async () => {
        const lines = (await routeLines(lab, ["-6", "route", "show", "dev", "br0"])).filter((l) => !/^fe80/.test(l));
        assert.deepEqual(lines.map((l) => l.replace(/expires \d+sec/, "expires Nsec")), [
          "2001:db8:1::/64 proto ra metric 100 pref medium",
          "2001:db8:dd::/48 via 2001:db8:1::1 proto dhcp metric 1024 pref low",
          "2001:db8:ee::/48 via " + gw + " proto ra metric 1024 expires Nsec pref high",
          `default via ${gw} proto ra metric 100 pref medium`,
        ]);
        assert.deepEqual(
          (await routeLines(lab, ["-6", "route", "show", "dev", "eth0"])).filter((l) => !/^fe80/.test(l)),
          [],
        );
        const nsRoute = await routeLines(lab, ["-n", "ns", "-6", "route", "show", "default"]);
        assert.deepEqual(nsRoute, [`default via ${gw} dev eth0 metric 1024 pref medium`]);
      },
    });
  });
});

Deno.test("F8: an admin's routes in table local through the uplink (AnyIP local prefixes of both families, a broadcast route) move to br0 and come back on undo", async () => {
  await withLab(async (lab) => {
    await setup(lab, [
      ["ip", "route", "add", "local", "203.0.113.0/24", "dev", "eth0", "table", "local"],
      ["ip", "-6", "route", "add", "local", "2001:db8:9::/64", "dev", "eth0", "table", "local"],
      ["ip", "route", "add", "broadcast", "198.51.100.127", "dev", "eth0", "table", "local", "src", "198.51.100.10"],
      ["ip", "-n", "lab-lanhost", "route", "add", "203.0.113.0/24", "via", "198.51.100.10"],
      ["ip", "-n", "lab-lanhost", "-6", "route", "add", "2001:db8:9::/64", "via", "2001:db8:1::10"],
    ]);
    const anyIp = async (when: string) => {
      for (const t of ["203.0.113.77", "2001:db8:9::77"]) {
        assert.equal((await ping(lab, t, "lab-lanhost")).code, 0, `${when}: LAN host -> AnyIP ${t}`);
      }
    };
    await anyIp("before");
    const local = async (dev: string) =>
      (await routeLines(lab, ["route", "show", "table", "local", "dev", dev])).concat(
        await routeLines(lab, ["-6", "route", "show", "table", "local", "dev", dev]),
      ).filter((l) => !/proto kernel/.test(l));
    const admin = await local("eth0");
    assert.equal(admin.length, 3, admin.join("\n"));
    await migrateAndUndo(lab, {
      nsTargets: ["198.51.100.10"],
      during: async () => {
        await anyIp("applied");
        assert.deepEqual(await local("br0"), admin);
        assert.deepEqual(await local("eth0"), []);
      },
    });
    await anyIp("after undo");
  });
});

Deno.test("F11 (issue 9 case 2 verbatim): the host's default gateways are reached through host routes (IPv4 scope link /32, IPv6 /128 outside the /64); the namespace's default routes are onlink and reach beyond the LAN", async () => {
  await withLab(async (lab) => {
    await setup(lab, [
      ...BEYOND,
      ["ip", "-n", "lab-lan", "addr", "add", "203.0.113.1/32", "dev", "lanbr"],
      ["ip", "-n", "lab-lan", "-6", "addr", "add", "2001:db8:99::1/128", "dev", "lanbr", "nodad"],
      ["ip", "route", "del", "default", "via", "198.51.100.1", "dev", "eth0"],
      ["ip", "route", "add", "203.0.113.1", "dev", "eth0", "scope", "link"],
      ["ip", "route", "add", "default", "via", "203.0.113.1", "dev", "eth0", "metric", "100"],
      ["ip", "-6", "route", "del", "default", "via", "2001:db8:1::1", "dev", "eth0"],
      ["ip", "-6", "route", "add", "2001:db8:99::1/128", "dev", "eth0", "metric", "10"],
      ["ip", "-6", "route", "add", "default", "via", "2001:db8:99::1", "dev", "eth0", "metric", "100"],
    ]);
    const plan = await lab.nsrecipe([
      "plan",
      "full-migrate",
      "--name",
      "ns",
      "--address",
      "198.51.100.50/24",
      "--address6",
      "2001:db8:1::50/64",
    ]);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /ip -n ns -4 route add default via 203\.0\.113\.1 dev eth0 onlink\n/);
    assert.match(plan.stdout, /ip -n ns -6 route add default via 2001:db8:99::1 dev eth0 onlink\n/);
    await migrateAndUndo(lab, {
      hostTargets: ["203.0.113.1", "2001:db8:99::1", "192.0.2.1", "2001:db8:ff::1"],
      nsTargets: ["203.0.113.1", "2001:db8:99::1", "192.0.2.1", "2001:db8:ff::1"],
    });
  });
});

Deno.test("F11: a gateway reached through a connected route without an address (a /29 beside the LAN) gives the namespace an onlink default; one inside its prefix a plain one", async () => {
  await withLab(async (lab) => {
    await setup(lab, [
      ...BEYOND,
      ["ip", "-n", "lab-lan", "addr", "add", "203.0.113.6/29", "dev", "lanbr"],
      ["ip", "route", "del", "default", "via", "198.51.100.1", "dev", "eth0"],
      ["ip", "route", "add", "203.0.113.0/29", "dev", "eth0", "scope", "link", "proto", "static"],
      ["ip", "route", "add", "default", "via", "203.0.113.6", "dev", "eth0", "proto", "static"],
    ]);
    await migrateAndUndo(lab, {
      hostTargets: ["203.0.113.6", "192.0.2.1"],
      nsTargets: ["203.0.113.6", "192.0.2.1", "2001:db8:ff::1"],
      during: async () => {
        assert.deepEqual(await routeLines(lab, ["-n", "ns", "-4", "route", "show", "default"]), [
          "default via 203.0.113.6 dev eth0 onlink",
        ]);
        assert.deepEqual(await routeLines(lab, ["-n", "ns", "-6", "route", "show", "default"]), [
          "default via 2001:db8:1::1 dev eth0 metric 1024 pref medium",
        ]);
      },
    });
  });
});

/**
 * The text of each `[setpriv --pdeathsig KILL --] ip [-n NS] [-json -details] -batch -` in a `--verbose` trace (its
 * `  < LINE` lines), in order.
 */
function batchTexts(trace: string): string[] {
  const texts: string[] = [];
  let text: string[] | undefined;
  for (const l of trace.split("\n")) {
    if (text && l.startsWith("  < ")) {
      text.push(l.slice(4));
      continue;
    }
    if (text) texts.push(text.map((x) => `${x}\n`).join(""));
    // A text over 4 KB goes to an ip that dies with nsrecipe: `setpriv --pdeathsig KILL -- ip …` (ORPHAN_GUARD).
    text = /^\$ (setpriv --pdeathsig KILL -- )?ip (-n \S+ )?(-json -details )?-batch - {2}\(exit [01],/.test(l)
      ? []
      : undefined;
  }
  if (text) texts.push(text.map((x) => `${x}\n`).join(""));
  return texts;
}

Deno.test("300 static routes via the uplink move to br0 and back, each way in one ip -batch (not one process per route or per 4096 bytes)", async () => {
  await withLab(async (lab) => {
    const dsts = Array.from({ length: 300 }, (_, i) => `10.${100 + (i >> 8)}.${i & 255}.0/24`);
    const added = await lab.sh(
      ["ip", "-batch", "-"],
      dsts.map((d) => `route add ${d} via 198.51.100.1 dev eth0\n`).join(""),
    );
    assert.equal(added.code, 0, added.stderr);
    const before = await lab.snapshot();
    const args = ["--name", "ns", "--address", "198.51.100.50/24", "--no-confirm", "--", "true"];
    const run = await lab.nsrecipe(["--verbose", "run", "full-migrate", ...args]);
    assert.equal(run.code, 0, run.stderr);
    const onBr0 = await routeLines(lab, ["route", "show", "dev", "br0"]);
    assert.deepEqual(dsts.filter((d) => !onBr0.some((l) => l.startsWith(`${d} via 198.51.100.1`))), [], "all on br0");
    const undo = await lab.nsrecipe(["--verbose", "undo"]);
    assert.equal(undo.code, 0, undo.stderr);
    const after = await lab.snapshot();
    assert.deepEqual(after, before, snapshotDiff(before, after));
    for (const [what, trace, verb, dev] of [["run", run.stderr, "add", "br0"], ["undo", undo.stderr, "add", "eth0"]]) {
      const texts = batchTexts(trace);
      // 600 route lines of about 50 bytes (deleted from one link, added to the other): 30,000 bytes in one text.
      const big = texts.filter((t) => new TextEncoder().encode(t).length > 4096);
      assert.equal(big.length, 1, `${what}: ${texts.map((t) => t.length).join(", ")} bytes`);
      assert.ok(big[0].split("\n").filter((l) => l.startsWith("route ")).length >= 600, `${what}: ${big[0]}`);
      const lines = texts.join("").split("\n");
      for (const d of dsts) {
        assert.ok(lines.some((l) => l.startsWith(`route ${verb} ${d} via 198.51.100.1 dev ${dev}`)), `${what}: ${d}`);
      }
    }
  });
});

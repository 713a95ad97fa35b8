/**
 * full-migrate carries what the kernel would otherwise leave behind on the
 * enslaved uplink or flush for good: IPv4 link-local addresses (169.254/16,
 * `scope link`) move to the bridge like any IPv4 address (F19), and static
 * neighbour entries keep their kind and flags: `nud noarp` entries move and
 * come back, `extern_learn` and `router` are kept (F16). Each case: traffic
 * while migrated, and undo restores the snapshot exactly.
 */
import assert from "node:assert/strict";
import { withLab } from "../support/lab.ts";
import { migrateAndUndo, ping, setup } from "../support/migrate.ts";

/** The lab host's neighbour entries of one link, as `ip neigh show nud all dev DEV` lines. */
async function neighLines(lab: Parameters<typeof ping>[0], dev: string, family: "-4" | "-6"): Promise<string[]> {
  const r = await lab.sh(["ip", family, "neigh", "show", "nud", "all", "dev", dev]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split("\n").map((l) => l.trim()).filter((l) => l !== "");
}

Deno.test("an IPv4 link-local address (avahi-autoipd style, kernel prefix route) moves to br0: reachable both ways while migrated; undo restores it in its place", async () => {
  await withLab(async (lab) => {
    await setup(lab, [
      ["ip", "addr", "add", "169.254.10.10/16", "dev", "eth0", "scope", "link"],
      ["ip", "netns", "exec", "lab-lanhost", "ip", "addr", "add", "169.254.10.20/16", "dev", "eth0", "scope", "link"],
    ]);
    assert.equal((await ping(lab, "169.254.10.20")).code, 0, "before: host -> link-local neighbour");
    const plan = await lab.nsrecipe(["plan", "full-migrate", "--name", "ns", "--address", "198.51.100.50/24"]);
    assert.match(plan.stdout, /ip addr add 169\.254\.10\.10\/16 scope link dev br0\n/);
    await migrateAndUndo(lab, {
      hostTargets: ["169.254.10.20"],
      during: async () => {
        assert.equal((await ping(lab, "169.254.10.10", "lab-lanhost")).code, 0, "LAN host -> host's link-local");
      },
    });
    assert.equal((await ping(lab, "169.254.10.20")).code, 0, "after undo: host -> link-local neighbour");
  });
});

Deno.test("an IPv4 link-local address as NetworkManager adds it (noprefixroute, 169.254.0.0/16 route metric 1000) beside a secondary: all move with their attributes and come back", async () => {
  await withLab(async (lab) => {
    await setup(lab, [
      ["ip", "addr", "add", "169.254.7.7/16", "dev", "eth0", "scope", "link", "noprefixroute"],
      ["ip", "route", "add", "169.254.0.0/16", "dev", "eth0", "scope", "link", "metric", "1000"],
      ["ip", "addr", "add", "198.51.100.12/24", "dev", "eth0"],
      ["ip", "netns", "exec", "lab-lanhost", "ip", "addr", "add", "169.254.7.8/16", "dev", "eth0"],
    ]);
    await migrateAndUndo(lab, { hostTargets: ["169.254.7.8"] });
  });
});

Deno.test("static neighbour entries: 'nud noarp' (IPv4, IPv6 with router) move to br0 and come back, 'extern_learn' is kept; a noarp entry for the gateway carries traffic while migrated", async () => {
  await withLab(async (lab) => {
    const gwMac = JSON.parse(
      (await lab.sh(["ip", "-n", "lab-lan", "-json", "link", "show", "dev", "lanbr"])).stdout,
    )[0].address as string;
    await setup(lab, [
      ["ip", "neigh", "replace", "198.51.100.1", "lladdr", gwMac, "dev", "eth0", "nud", "noarp"],
      ["ip", "neigh", "add", "198.51.100.30", "lladdr", "02:11:22:33:44:56", "dev", "eth0", "nud", "noarp"],
      [
        "ip",
        "neigh",
        "add",
        "198.51.100.31",
        "lladdr",
        "02:11:22:33:44:57",
        "dev",
        "eth0",
        "nud",
        "permanent",
        "extern_learn",
      ],
      [
        "ip",
        "-6",
        "neigh",
        "add",
        "2001:db8:1::31",
        "lladdr",
        "02:11:22:33:44:58",
        "dev",
        "eth0",
        "router",
        "nud",
        "noarp",
      ],
    ]);
    // The kernel's own NOARP entries (multicast groups such as 224.0.0.22) come and go: compare the admin's.
    const admins = async () => (await neighLines(lab, "eth0", "-4")).filter((l) => /^198\.51\.100\.\d+ /.test(l));
    const before4 = await admins();
    assert.ok(before4.some((l) => /^198\.51\.100\.30 lladdr 02:11:22:33:44:56 .*NOARP/.test(l)), before4.join("\n"));
    await migrateAndUndo(lab, {
      during: async () => {
        const br4 = await neighLines(lab, "br0", "-4");
        assert.ok(br4.some((l) => l.startsWith(`198.51.100.1 lladdr ${gwMac}`) && l.endsWith("NOARP")), br4.join("\n"));
        assert.ok(br4.some((l) => /^198\.51\.100\.30 lladdr 02:11:22:33:44:56 NOARP$/.test(l)), br4.join("\n"));
        assert.ok(
          br4.some((l) => /^198\.51\.100\.31 lladdr 02:11:22:33:44:57 extern_learn\s+PERMANENT$/.test(l)),
          br4.join("\n"),
        );
        const br6 = await neighLines(lab, "br0", "-6");
        assert.ok(br6.some((l) => /^2001:db8:1::31 lladdr 02:11:22:33:44:58 router NOARP$/.test(l)), br6.join("\n"));
      },
    });
    assert.deepEqual(await admins(), before4, "the uplink's IPv4 entries are back, as they were");
  });
});

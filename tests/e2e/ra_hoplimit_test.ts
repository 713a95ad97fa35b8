/**
 * X9: routes learned from router advertisements carry the `hoplimit` metric
 * the kernel sets from the RA's Cur Hop Limit (net/ipv6/ndisc.c); full-migrate
 * moves them with it, their preference and lifetime, and undo puts them back
 * exactly. A hop limit on a route of another origin, whose `lock` `ip -json`
 * does not show, is still refused. RA cannot run in the lab, so the routes
 * are added by hand as the kernel makes them.
 */
import assert from "node:assert/strict";
import { withLab } from "../support/lab.ts";
import { migrateAndUndo, ping, routeLines, setup } from "../support/migrate.ts";

/** The link-local address of the LAN's router (on `lanbr` in `lab-lan`), the gateway its RAs announce. */
const GW_LL = "fe80::1";

const route = (...args: string[]) => ["ip", "-6", "route", "add", ...args];

Deno.test("X9: RA-learned routes (default: hoplimit 64 pref medium, expires; a route option: hoplimit 255 pref high) move to br0 with hoplimit, pref and lifetime; undo restores them exactly", async () => {
  await withLab(async (lab) => {
    await setup(lab, [
      ["ip", "-n", "lab-lan", "-6", "addr", "add", `${GW_LL}/64`, "dev", "lanbr", "nodad"],
      ["ip", "-n", "lab-lan", "-6", "addr", "add", "2001:db8:ee::1/128", "dev", "lo"],
      // The kernel's RA default route replaces the static one.
      ["ip", "-6", "route", "del", "default", "via", "2001:db8:1::1", "dev", "eth0"],
      route(
        "default",
        "via",
        GW_LL,
        "dev",
        "eth0",
        "proto",
        "ra",
        "metric",
        "1024",
        "expires",
        "1800",
        "hoplimit",
        "64",
      ),
      route(
        ...["2001:db8:ee::/48", "via", GW_LL, "dev", "eth0", "proto", "ra", "metric", "1024"],
        ...["expires", "900", "hoplimit", "255", "pref", "high"],
      ),
    ]);
    assert.equal((await ping(lab, "2001:db8:ee::1")).code, 0, "before: host -> beyond the router");
    const plan = await lab.nsrecipe(["plan", "full-migrate", "--name", "ns", "--address", "198.51.100.50/24"]);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(
      plan.stdout,
      new RegExp(`ip -6 route add default via ${GW_LL} dev br0 proto ra metric 1024 expires \\d+ hoplimit 64\\n`),
    );
    assert.match(plan.stdout, /proto ra metric 1024 pref high expires \d+ hoplimit 255\n/);
    assert.match(
      plan.stdout + plan.stderr,
      /router-advertised route default via fe80::1 \(proto ra hoplimit 64 pref medium expires \d+sec\) moves to 'br0' as it is, with its remaining lifetime, not as a permanent route/,
    );
    await migrateAndUndo(lab, {
      hostTargets: ["2001:db8:ee::1"],
      during: async () => {
        const lines = (await routeLines(lab, ["-6", "route", "show", "dev", "br0"])).filter((l) => !/^fe80/.test(l));
        assert.deepEqual(lines.map((l) => l.replace(/expires \d+sec/, "expires Nsec")), [
          "2001:db8:1::/64 proto kernel metric 256 pref medium",
          `2001:db8:ee::/48 via ${GW_LL} proto ra metric 1024 expires Nsec hoplimit 255 pref high`,
          `default via ${GW_LL} proto ra metric 1024 expires Nsec hoplimit 64 pref medium`,
        ]);
      },
    });
    const back = (await routeLines(lab, ["-6", "route", "show", "dev", "eth0", "proto", "ra"]))
      .map((l) => l.replace(/expires \d+sec/, "expires Nsec"));
    assert.deepEqual(back, [
      `2001:db8:ee::/48 via ${GW_LL} metric 1024 expires Nsec hoplimit 255 pref high`,
      `default via ${GW_LL} metric 1024 expires Nsec hoplimit 64 pref medium`,
    ]);
  });
});

Deno.test("X9: a hop limit on a route not learned from an RA (it may be 'hoplimit lock', which ip -json hides) is still refused, named", async () => {
  await withLab(async (lab) => {
    await setup(lab, [route("2001:db8:5::/64", "via", "2001:db8:1::1", "dev", "eth0", "hoplimit", "lock", "32")]);
    const snap = await lab.snapshot();
    const plan = await lab.nsrecipe([
      "plan",
      "full-migrate",
      "--name",
      "ns",
      "--address",
      "198.51.100.50/24",
      "--force",
    ]);
    assert.equal(plan.code, 3, plan.stdout + plan.stderr);
    assert.match(plan.stderr, /2001:db8:5::\/64 \(route metrics hoplimit\)/);
    assert.deepEqual(await lab.snapshot(), snap);
  });
});

/**
 * Finding M3: a hosted server's uplink (Hetzner-style): its address is a /32 and its gateway is reached through a
 * `scope link` host route, the default route via it. full-migrate moves that setup to the bridge (the host still
 * reaches its gateway), gives the namespace a /32 the provider would route to the host with its default route
 * `onlink`, and undo restores the host exactly; a LAN prefix on such an uplink is refused with what can be done.
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { snapshotDiff, withLab } from "../support/lab.ts";
import { ping, routeLines, setup } from "../support/migrate.ts";
import { assertExit } from "../support/reliability.ts";

/** The lab's eth0 made a hosted server's: 198.51.100.10/32, gateway 198.51.100.1 behind a host route. */
const HOSTED = [
  ["ip", "route", "del", "default", "via", "198.51.100.1", "dev", "eth0"],
  ["ip", "addr", "del", "198.51.100.10/24", "dev", "eth0"],
  ["ip", "addr", "add", "198.51.100.10/32", "dev", "eth0"],
  ["ip", "route", "add", "198.51.100.1", "dev", "eth0", "scope", "link"],
  ["ip", "route", "add", "default", "via", "198.51.100.1", "dev", "eth0"],
];

Deno.test("M3: a /32 uplink with its gateway behind a scope link host route: full-migrate moves it (host and namespace reach the gateway), undo restores it exactly; a /24 --address is refused naming what to give", async () => {
  await withLab(async (lab) => {
    await setup(lab, HOSTED);
    assert.equal((await ping(lab, "198.51.100.1")).code, 0, "the hosted setup reaches its gateway");
    const before = await lab.snapshot();
    const lan = await lab.nsrecipe(["plan", "full-migrate", "--name", "fm", "--address", "198.51.100.50/24"]);
    assertExit(lan, EXIT.usage, "a LAN prefix on a /32 uplink");
    assert.match(lan.stderr, /--address 198\.51\.100\.50\/24 is outside the uplink's subnets \(198\.51\.100\.10\/32/);
    assert.match(
      lan.stderr,
      /give an address your provider routes to this host as \/32, e\.g\. --address 198\.51\.100\.50\/32, or use 'veth-bridge --nat'/,
    );
    const r = await lab.nsrecipe([
      "run",
      "full-migrate",
      "--name",
      "fm",
      "--address",
      "198.51.100.50/32",
      "--no-confirm",
    ]);
    assertExit(r, 0, "run full-migrate with a /32");
    assert.deepEqual(await routeLines(lab, ["-4", "route", "show"]), [
      "default via 198.51.100.1 dev br0",
      "198.51.100.1 dev br0 scope link",
    ]);
    assert.match((await lab.sh(["ip", "-br", "-4", "addr", "show", "dev", "br0"])).stdout, /198\.51\.100\.10\/32/);
    assert.deepEqual(await routeLines(lab, ["-n", "fm", "-4", "route", "show"]), [
      "default via 198.51.100.1 dev eth0 onlink",
    ]);
    assert.equal((await ping(lab, "198.51.100.1")).code, 0, "host -> gateway through br0");
    assert.equal((await ping(lab, "198.51.100.1", "fm")).code, 0, "namespace -> gateway, onlink");
    assertExit(await lab.nsrecipe(["undo", "fm"]), 0, "undo");
    const after = await lab.snapshot();
    assert.deepEqual(after, before, snapshotDiff(before, after));
    assert.equal((await ping(lab, "198.51.100.1")).code, 0, "after undo: host -> gateway");
  });
});

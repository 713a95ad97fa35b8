import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { type TestLab, withLab } from "../support/lab.ts";
import { waitFor } from "../support/wait.ts";

const ping = (lab: TestLab, target: string, netns?: string, v6 = false) =>
  lab.sh([
    ...(netns ? ["ip", "netns", "exec", netns] : []),
    "ping",
    ...(v6 ? ["-6"] : []),
    "-c",
    "1",
    "-W",
    "2",
    target,
  ]);

async function addrs(lab: TestLab, dev: string): Promise<string[]> {
  const j = JSON.parse((await lab.sh(["ip", "-json", "addr", "show", "dev", dev])).stdout) as {
    addr_info: { local: string; prefixlen: number; scope: string }[];
  }[];
  return j[0].addr_info.filter((a) => a.scope === "global").map((a) => `${a.local}/${a.prefixlen}`);
}

async function link(lab: TestLab, dev: string): Promise<{ address: string; master?: string } | undefined> {
  const r = await lab.sh(["ip", "-json", "link", "show", "dev", dev]);
  return r.code === 0 ? JSON.parse(r.stdout)[0] : undefined;
}

const routes = async (lab: TestLab, family: "-4" | "-6") =>
  (await lab.sh(["ip", family, "route", "show", "default"])).stdout.trim().split("\n").map((l) => l.trim());

Deno.test("full-migrate (K10): addresses, their order and every route move to br0; the namespace is on the LAN; undo restores all", async () => {
  await withLab(async (lab) => {
    await lab.sh(["ip", "addr", "add", "198.51.100.11/24", "dev", "eth0"]);
    await lab.sh(["ip", "route", "add", "203.0.113.0/24", "via", "198.51.100.254", "dev", "eth0"]);
    assert.equal((await ping(lab, "198.51.100.1")).code, 0, "before: host reaches the gateway");
    const before = await lab.snapshot();
    const r = await lab.nsrecipe([
      "run",
      "full-migrate",
      "--name",
      "lan1",
      "--address",
      "198.51.100.50/24",
      "--address6",
      "2001:db8:1::50/64",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await addrs(lab, "br0"), ["198.51.100.10/24", "198.51.100.11/24", "2001:db8:1::10/64"]);
    assert.deepEqual(await addrs(lab, "eth0"), []);
    assert.equal((await link(lab, "eth0"))?.master, "br0");
    assert.deepEqual(await routes(lab, "-4"), ["default via 198.51.100.1 dev br0 metric 100"]);
    assert.match((await lab.sh(["ip", "route", "show", "203.0.113.0/24"])).stdout, /via 198\.51\.100\.254 dev br0/);
    assert.match((await routes(lab, "-6"))[0], /^default via 2001:db8:1::1 dev br0 metric 100/);
    assert.equal((await ping(lab, "198.51.100.1", "lan1")).code, 0, "namespace -> gateway");
    assert.equal((await ping(lab, "198.51.100.20", "lan1")).code, 0, "namespace -> other LAN host");
    assert.equal((await ping(lab, "2001:db8:1::20", "lan1", true)).code, 0, "namespace -> other LAN host (IPv6)");
    assert.equal((await ping(lab, "198.51.100.1")).code, 0, "host -> gateway through br0");
    const undo = await lab.nsrecipe(["undo"]);
    assert.equal(undo.code, 0, undo.stderr);
    assert.deepEqual(await lab.snapshot(), before);
    assert.equal((await ping(lab, "198.51.100.1")).code, 0, "after undo: host reaches the gateway");
  });
});

Deno.test("K11: with a second uplink's default, only eth0's moves; both originals come back with devices and metrics", async () => {
  await withLab(async (lab) => {
    await lab.sh(["ip", "link", "add", "dev", "eth1", "type", "veth", "peer", "name", "eth1p"]);
    await lab.sh(["ip", "link", "set", "dev", "eth1p", "up"]);
    await lab.sh(["ip", "link", "set", "dev", "eth1", "up"]);
    await lab.sh(["ip", "addr", "add", "203.0.113.10/24", "dev", "eth1"]);
    await lab.sh(["ip", "route", "add", "default", "via", "203.0.113.1", "dev", "eth1", "metric", "200"]);
    // The kernel gives the new link its IPv6 link-local address a moment after it comes up: the "before"
    // snapshot must hold it, settled, or it differs from the one after undo for a reason of its own.
    await waitFor("eth1's IPv6 link-local address to settle", async () => {
      const [l] = JSON.parse((await lab.sh(["ip", "-6", "-json", "addr", "show", "dev", "eth1"])).stdout);
      const ll = (l?.addr_info ?? []).filter((a: { scope: string }) => a.scope === "link");
      return ll.length === 1 && !ll[0].tentative;
    });
    const before = await lab.snapshot();
    const r = await lab.nsrecipe([
      "run",
      "full-migrate",
      "--uplink",
      "eth0",
      "--name",
      "n",
      "--address",
      "198.51.100.50/24",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /File exists/);
    assert.deepEqual(await routes(lab, "-4"), [
      "default via 198.51.100.1 dev br0 metric 100",
      "default via 203.0.113.1 dev eth1 metric 200",
    ]);
    assert.equal((await lab.nsrecipe(["undo"])).code, 0);
    assert.deepEqual(await lab.snapshot(), before);
  });
});

Deno.test("K12: br0 keeps eth0's MAC when a lower MAC joins and after a veth-bridge run on it; eth0 keeps its own after undo", async () => {
  await withLab(async (lab) => {
    const mac = (await link(lab, "eth0"))!.address;
    assert.equal(
      (await lab.nsrecipe(["run", "full-migrate", "--name", "m", "--address", "198.51.100.50/24", "--no-confirm"]))
        .code,
      0,
    );
    assert.equal((await link(lab, "br0"))!.address, mac);
    await lab.sh([
      "ip",
      "link",
      "add",
      "dev",
      "low0",
      "address",
      "02:00:00:00:00:01",
      "type",
      "veth",
      "peer",
      "name",
      "low1",
    ]);
    await lab.sh(["ip", "link", "set", "dev", "low0", "master", "br0"]);
    await lab.sh(["ip", "link", "set", "dev", "low0", "up"]);
    assert.equal((await link(lab, "br0"))!.address, mac);
    const vb = await lab.nsrecipe([
      "run",
      "veth-bridge",
      "--name",
      "v",
      "--bridge",
      "br0",
      "--address",
      "198.51.100.60/24",
    ]);
    assert.equal(vb.code, 0, vb.stderr);
    assert.equal((await link(lab, "br0"))!.address, mac);
    const blocked = await lab.nsrecipe(["undo", "m"]);
    assert.equal(blocked.code, EXIT.precondition, "full-migrate's bridge is not shared: undo of m waits for v");
    assert.match(blocked.stderr, /cannot be undone while run .* \(v\) uses link:br0/);
    await lab.sh(["ip", "link", "del", "dev", "low0"]);
    assert.equal((await lab.nsrecipe(["undo", "--all"])).code, 0);
    assert.equal((await link(lab, "eth0"))!.address, mac);
    assert.equal(await link(lab, "br0"), undefined);
  });
});

Deno.test("K14: an uplink that is a bridge, has a master, is wireless, or is missing is refused before any change", async () => {
  await withLab(async (lab) => {
    await lab.sh(["ip", "link", "add", "dev", "up1", "type", "bridge"]);
    await lab.sh(["ip", "link", "set", "dev", "up1", "up"]);
    await lab.sh(["ip", "addr", "add", "192.0.2.10/24", "dev", "up1"]);
    await lab.sh(["ip", "route", "add", "203.0.113.0/24", "via", "192.0.2.1", "dev", "up1"]);
    await lab.sh(["ip", "link", "add", "dev", "brx", "type", "bridge"]);
    await lab.sh(["ip", "link", "add", "dev", "sl0", "type", "veth", "peer", "name", "sl1"]);
    await lab.sh(["ip", "link", "set", "dev", "sl0", "master", "brx"]);
    const uevent = (await lab.sh(["cat", "/sys/class/net/eth0/uevent"])).stdout;
    await lab.sh(["sh", "-c", `printf '%sDEVTYPE=wlan\\n' '${uevent}' > /run/fake-uevent`]);
    const before = await lab.snapshot();
    const cases: [string[], RegExp][] = [
      [["--uplink", "up1", "--address", "192.0.2.50/24"], /'up1'.* bridge/],
      [["--uplink", "sl0", "--address", "192.0.2.50/24"], /already a port of 'brx'/],
      [["--uplink", "eth9", "--address", "192.0.2.50/24"], /'eth9' given with --uplink does not exist/],
      [["--address", "203.0.113.50/24"], /outside the uplink's subnets/],
    ];
    for (const [args, re] of cases) {
      const r = await lab.nsrecipe(["run", "full-migrate", "--name", "k", ...args, "--", "true"]);
      assert.ok(r.code === EXIT.precondition || r.code === EXIT.usage, `${args.join(" ")}: ${r.code} ${r.stderr}`);
      assert.match(r.stderr, re, args.join(" "));
      assert.deepEqual(await lab.snapshot(), before, args.join(" "));
    }
    await lab.sh(["mount", "--bind", "/run/fake-uevent", "/sys/class/net/eth0/uevent"]);
    const wifi = await lab.nsrecipe([
      "run",
      "full-migrate",
      "--name",
      "k",
      "--address",
      "198.51.100.50/24",
      "--",
      "true",
    ]);
    assert.equal(wifi.code, EXIT.precondition, wifi.stderr);
    assert.match(wifi.stderr, /wireless/);
    assert.deepEqual(await lab.snapshot(), before);
  });
});

Deno.test("K14: if enslaving fails at run time anyway, rollback leaves the uplink's addresses and routes as they were", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const planned = JSON.parse(
      (await lab.nsrecipe(["--json", "plan", "full-migrate", "--name", "f", "--address", "198.51.100.50/24"])).stdout,
    ) as { steps: { step: { kind: string; dev?: string } }[] };
    const enslave = planned.steps.findIndex((s) => s.step.kind === "link-set-master" && s.step.dev === "eth0");
    assert.ok(enslave > 0);
    const r = await lab.nsrecipe(
      ["run", "full-migrate", "--name", "f", "--address", "198.51.100.50/24", "--", "true"],
      {
        NSRECIPE_TEST_FAULT: `i-understand-this-breaks-nsrecipe:fail@step:${enslave}`,
      },
    );
    assert.equal(r.code, EXIT.rolledBack, r.stderr);
    assert.deepEqual(await lab.snapshot(), before);
  });
});

Deno.test("plan full-migrate prints the commands in order and changes nothing", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const r = await lab.nsrecipe(["plan", "full-migrate", "--name", "p", "--address", "198.51.100.50/24"]);
    assert.equal(r.code, 0, r.stderr);
    const cmds = r.stdout.split("\n").filter((l) => l.startsWith("      ")).map((l) => l.trim());
    const at = (re: RegExp) => cmds.findIndex((c) => re.test(c));
    assert.ok(at(/type bridge/) < at(/addr add 198\.51\.100\.10\/24 .*dev br0/));
    assert.ok(at(/addr add 198\.51\.100\.10\/24 .*dev br0/) < at(/dev eth0 master br0/));
    assert.ok(at(/dev eth0 master br0/) < at(/route del default .*dev eth0/));
    const routeCmds = cmds.filter((c) => / route (add|del) /.test(c) && !c.includes(" -n "));
    assert.deepEqual(routeCmds.map((c) => c.match(/-[46] route (add|del) default .*dev (\w+)/)?.slice(1).join(" ")), [
      "del eth0",
      "del eth0",
      "add br0",
      "add br0",
    ], "the uplink's routes are deleted, then re-added on br0, in adjacent steps");
    assert.equal(at(/route add default .*dev br0/), at(/-4 route del default .*dev eth0/) + 1);
    assert.ok(at(/addr del 198\.51\.100\.10\/24 dev eth0/) > at(/route add default .*dev br0/));
    assert.match(r.stdout, /address 02:00:00:00:10:10/);
    assert.deepEqual(await lab.snapshot(), before);
  });
});

Deno.test("a route of metric 0 beside the same prefix at metric 50: both move and both come back (IPv4 metric 0 is not 'any')", async () => {
  await withLab(async (lab) => {
    await lab.sh(["ip", "route", "add", "10.10.0.0/16", "via", "198.51.100.1", "dev", "eth0"]);
    await lab.sh(["ip", "route", "add", "10.10.0.0/16", "via", "198.51.100.1", "dev", "eth0", "metric", "50"]);
    const before = await lab.snapshot();
    const r = await lab.nsrecipe(["run", "full-migrate", "--name", "m0", "--address", "198.51.100.50/24"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      (await lab.sh(["ip", "route", "show", "10.10.0.0/16"])).stdout.trim().split("\n").map((l) => l.trim()),
      [
        "10.10.0.0/16 via 198.51.100.1 dev br0",
        "10.10.0.0/16 via 198.51.100.1 dev br0 metric 50",
      ],
    );
    assert.equal((await lab.nsrecipe(["undo"])).code, 0);
    assert.deepEqual(await lab.snapshot(), before);
  });
});

Deno.test("the namespace's address may be neither the gateway's nor the bridge's", async () => {
  await withLab(async (lab) => {
    const gw = await lab.nsrecipe(["run", "full-migrate", "--name", "g", "--address", "198.51.100.1/24", "--", "true"]);
    assert.equal(gw.code, EXIT.usage, gw.stderr);
    assert.match(gw.stderr, /198\.51\.100\.1 is a gateway of this host's routes/);
    const br = await lab.nsrecipe(["run", "veth-bridge", "--name", "g", "--address", "10.200.0.1/24", "--", "true"]);
    assert.equal(br.code, EXIT.usage, br.stderr);
    assert.match(br.stderr, /is the bridge's address/);
    const same = await lab.nsrecipe(["run", "veth-bridge", "--name", "g", "--veth", "br0", "--", "true"]);
    assert.equal(same.code, EXIT.usage, same.stderr);
  });
});

Deno.test("full-migrate keeps two IPv6 addresses in order, an address metric and a deprecated address; refuses a multipath route", async () => {
  await withLab(async (lab) => {
    await lab.sh(["ip", "-6", "addr", "add", "2001:db8:2::5/64", "dev", "eth0", "nodad"]);
    await lab.sh(["ip", "addr", "add", "192.0.2.77/24", "dev", "eth0", "metric", "55"]);
    await lab.sh(["ip", "addr", "add", "203.0.113.9/24", "dev", "eth0", "preferred_lft", "0"]);
    const before = await lab.snapshot();
    const r = await lab.nsrecipe(["run", "full-migrate", "--name", "o", "--address", "198.51.100.50/24"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await lab.nsrecipe(["undo"])).code, 0);
    assert.deepEqual(await lab.snapshot(), before);
    await lab.sh([
      "ip",
      "route",
      "add",
      "10.20.0.0/16",
      "nexthop",
      "via",
      "198.51.100.1",
      "dev",
      "eth0",
      "nexthop",
      "via",
      "198.51.100.2",
      "dev",
      "eth0",
    ]);
    const mp = await lab.nsrecipe([
      "run",
      "full-migrate",
      "--name",
      "o",
      "--address",
      "198.51.100.50/24",
      "--",
      "true",
    ]);
    assert.equal(mp.code, EXIT.precondition, mp.stderr);
    assert.match(mp.stderr, /cannot move and restore exactly: 10\.20\.0\.0\/16 \(multipath\)/);
  });
});

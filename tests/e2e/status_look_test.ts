/**
 * `status` looks at the host once (one read of the host, one process per
 * namespace, one scan for the processes inside) and still tells the truth in
 * the list view: what was changed by hand inside one namespace, on its veth
 * or on the shared bridge is reported for exactly the runs it touches.
 */
import assert from "node:assert/strict";
import { IpReader, SnapshotIpReader } from "../../src/host/mod.ts";
import { type TestLab, withLab } from "../support/lab.ts";
import { assertExit } from "../support/reliability.ts";

interface Listed {
  label: string;
  shown: string;
  addresses: string[];
  bridge?: { name: string; addresses: string[] };
  processes?: number;
  drift: string[];
}

/** `status --json` (the list view), by run name. */
async function listed(lab: TestLab): Promise<Map<string, Listed>> {
  const r = await lab.nsrecipe(["--json", "status"]);
  assertExit(r, 0, "status");
  return new Map((JSON.parse(r.stdout).runs as Listed[]).map((x) => [x.label, x]));
}

/** The text table's row of a run, split into its columns. */
async function row(lab: TestLab, name: string): Promise<string[]> {
  const r = await lab.nsrecipe(["status"]);
  assertExit(r, 0, "status");
  const line = r.stdout.split("\n").find((l) => l.startsWith(`${name} `));
  assert.ok(line, r.stdout);
  return line.split(/ {2,}/);
}

Deno.test("status list view: an address removed inside one namespace, a veth deleted, the bridge deleted: each run shows its own drift, the others none", async () => {
  await withLab(async (lab) => {
    for (const n of ["web", "api", "db"]) assertExit(await lab.nsrecipe(["run", "veth-bridge", "--name", n]), 0, n);
    const veth = (await lab.nsrecipe(["--json", "status", "api"])).stdout.match(/'veth-api' <-> '(p-[0-9a-f]+)'/)?.[1];
    assert.ok(veth, "api's peer name");

    await lab.sh(["ip", "-n", "web", "addr", "del", "10.200.0.2/24", "dev", "eth0"]);
    let runs = await listed(lab);
    assert.deepEqual(runs.get("web")?.drift, [
      "add address 10.200.0.2/24 to 'eth0' in 'web': address 10.200.0.2/24 is not on 'eth0'",
      // The kernel removes the routes that used the address's subnet with it.
      "add route default via 10.200.0.1 dev eth0 in 'web': route default is not in the table",
    ]);
    assert.deepEqual(runs.get("web")?.addresses, []);
    assert.deepEqual([runs.get("api")?.drift, runs.get("db")?.drift], [[], []]);
    assert.deepEqual(runs.get("api")?.addresses, ["10.200.0.3/24"]);
    assert.deepEqual((await row(lab, "web")).slice(0, 4), ["web", "veth-bridge", "drift", "-"]);
    assert.deepEqual((await row(lab, "api")).slice(0, 4), ["api", "veth-bridge", "applied", "10.200.0.3/24"]);

    await lab.sh(["ip", "link", "del", "veth-api"]);
    runs = await listed(lab);
    assert.deepEqual(runs.get("api")?.drift, [
      // Its port on the bridge and its being up went with it (steps 4, 5 of a run on a bridge there already); its
      // other end's steps are said each.
      `create veth pair 'veth-api' <-> '${veth}': veth end 'veth-api' does not exist; steps 4 and 5 went with it`,
      `move '${veth}' into 'api' as 'eth0': 'eth0' did not appear in 'api'`,
      "bring link 'eth0' up in 'api': link 'eth0' does not exist",
      "add address 10.200.0.3/24 to 'eth0' in 'api': address 10.200.0.3/24 is not on 'eth0'",
      "add route default via 10.200.0.1 dev eth0 in 'api': route default is not in the table",
    ]);
    assert.equal(runs.get("web")?.drift.length, 2);
    assert.deepEqual([runs.get("db")?.shown, runs.get("db")?.drift], ["applied", []]);

    await lab.sh(["ip", "link", "del", "br0"]);
    runs = await listed(lab);
    // The bridge's steps belong to the run that made it (web); db's veth lost its master.
    assert.deepEqual(runs.get("db")?.drift, ["enslave 'veth-db' to bridge 'br0': 'veth-db' has master 'none'"]);
    assert.deepEqual(runs.get("db")?.bridge, { name: "br0", addresses: [] });
    assert.deepEqual(runs.get("db")?.addresses, ["10.200.0.4/24"]);
    const web = runs.get("web")!.drift;
    assert.equal(web.length, 3, web.join("\n"));
    // Its being up, its address and web's port on it (steps 5–7) went with the bridge.
    assert.match(
      web[0],
      /^create bridge 'br0' \(STP off, MAC [0-9a-f:]{17}\): bridge 'br0' does not exist; steps 5–7 went with it$/,
    );
    assert.deepEqual(web.slice(1), [
      "add address 10.200.0.2/24 to 'eth0' in 'web': address 10.200.0.2/24 is not on 'eth0'",
      "add route default via 10.200.0.1 dev eth0 in 'web': route default is not in the table",
    ]);
    assert.deepEqual((await row(lab, "db")).slice(0, 5), ["db", "veth-bridge", "drift", "10.200.0.4/24", "br0"]);
  });
});

Deno.test("status list view: PROCESSES counts each namespace's own processes (2, 0, 1), from one scan", async () => {
  await withLab(async (lab) => {
    for (const n of ["two", "none", "one"]) assertExit(await lab.nsrecipe(["run", "netns", "--name", n]), 0, n);
    const sleepers = [
      lab.spawn(["ip", "netns", "exec", "two", "sleep", "1000"]),
      lab.spawn(["ip", "netns", "exec", "two", "sleep", "1000"]),
      lab.spawn(["ip", "netns", "exec", "one", "sleep", "1000"]),
    ];
    try {
      // Bounded wait until the three sleeps are inside (spawned asynchronously).
      for (let i = 0; i < 100; i++) {
        const two = (await lab.sh(["ip", "netns", "pids", "two"])).stdout.trim().split(/\s+/).filter(Boolean);
        const one = (await lab.sh(["ip", "netns", "pids", "one"])).stdout.trim().split(/\s+/).filter(Boolean);
        if (two.length === 2 && one.length === 1) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const r = await lab.nsrecipe(["--verbose", "status"]);
      assertExit(r, 0, "status");
      assert.equal(r.stderr.match(/^\$ lsns /gm)?.length, 1, r.stderr);
      assert.equal(r.stderr.match(/^\$ ip netns pids /gm), null, r.stderr);
      const runs = await listed(lab);
      assert.deepEqual(["two", "none", "one"].map((n) => runs.get(n)?.processes), [2, 0, 1]);
      assert.deepEqual((await row(lab, "two")).at(-1), "2");
    } finally {
      await lab.sh(["sh", "-c", "kill -9 $(ip netns pids two) $(ip netns pids one) 2>/dev/null"]);
      await Promise.all(sleepers.map((s) => s.output()));
    }
  });
});

Deno.test("status reads each namespace once: one 'ip -batch' per live namespace, and its answers equal the separate reads (routes of every kind, both families)", async () => {
  await withLab(async (lab) => {
    assertExit(await lab.nsrecipe(["run", "veth-bridge", "--name", "web"]), 0, "run");
    const inWeb = (line: string) => lab.sh(["ip", "-n", "web", ...line.split(" ")]);
    for (
      const line of [
        // nodad: the address (and its local route) is in place at once, not after duplicate address detection.
        "addr add 2001:db8:5::2/64 dev eth0 nodad",
        "addr add 10.9.0.1/32 dev lo",
        "route add 192.0.2.0/24 via 10.200.0.1 dev eth0 proto static metric 50",
        "route add blackhole 198.51.100.0/24",
        "route add 203.0.113.0/24 dev eth0 scope link table 100",
        "route add unreachable 203.0.113.128/25 table 100",
        "route add 2001:db8:9::/48 dev eth0 metric 7",
        "route add default via 2001:db8:5::1 dev eth0",
      ]
    ) assertExit(await inWeb(line), 0, line);
    // The two reads compared below are moments apart: wait (bounded) until no address is still tentative (the
    // link-local one's duplicate address detection), whose end adds a local route between them.
    for (let i = 0; i < 100 && (await inWeb("-6 addr show tentative")).stdout.trim() !== ""; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal((await inWeb("-6 addr show tentative")).stdout.trim(), "", "no address still tentative");
    const r = await lab.nsrecipe(["--verbose", "status"]);
    assertExit(r, 0, "status");
    assert.deepEqual(r.stderr.match(/^\$ ip -n \S+ .*/gm)?.map((l) => l.replace(/\s+\(exit.*$/, "")), [
      "$ ip -n web -json -details -batch -",
    ]);

    const plain = new IpReader(lab.runner);
    const look = new SnapshotIpReader(lab.runner);
    for (const netns of ["web", undefined]) {
      await look.prefetch(netns);
      const routes4 = await plain.routes(4, netns);
      assert.ok(routes4.length >= 3, JSON.stringify(routes4));
      assert.deepEqual(await look.routes(4, netns), routes4, `IPv4 routes of ${netns ?? "the host"}`);
      assert.deepEqual(
        await look.routes(6, netns),
        await plain.routes(6, netns),
        `IPv6 routes of ${netns ?? "the host"}`,
      );
      assert.deepEqual(
        (await look.addrs(netns)).map((l) => [l.ifname, l.addr_info.map((a) => `${a.local}/${a.prefixlen}`)]),
        (await plain.addrs(netns)).map((l) => [l.ifname, l.addr_info.map((a) => `${a.local}/${a.prefixlen}`)]),
      );
      assert.deepEqual(
        (await look.links(netns)).map((l) => [l.ifname, l.flags, l.linkinfo?.info_kind]),
        (await plain.links(netns)).map((l) => [l.ifname, l.flags, l.linkinfo?.info_kind]),
      );
    }
    const web = await look.routes(4, "web");
    assert.ok(web.some((x) => x.dst === "192.0.2.0/24" && x.protocol === "static" && x.metric === 50));
    assert.ok(web.some((x) => x.dst === "203.0.113.128/25" && x.type === "unreachable" && x.table === "100"));
  });
});

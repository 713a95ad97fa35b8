import assert from "node:assert/strict";
import { IpReader, SnapshotIpReader } from "../../src/host/mod.ts";
import { readHostLists } from "../../src/host/host_lists.ts";
import { withLab } from "../support/lab.ts";
import { assertExit } from "../support/reliability.ts";

Deno.test("readHostLists (one ip -batch and the IPv6 rules) and SnapshotIpReader.prefetch equal the separate reads on a host with routes in tables, rules and neighbour entries of both families", async () => {
  await withLab(async (lab) => {
    for (
      const line of [
        "netns add web",
        "link add br9 type bridge",
        "addr add 2001:db8:5::2/64 dev eth0 nodad",
        "addr add 10.9.0.1/24 dev br9",
        "route add 192.0.2.0/24 via 198.51.100.1 proto static metric 50",
        "route add blackhole 203.0.113.0/24 table 100",
        "-6 route add 2001:db8:9::/48 via 2001:db8:5::1 table 100",
        "rule add from 192.0.2.0/24 table 100 priority 100",
        "-6 rule add from 2001:db8:9::/48 table 100 priority 101",
        "neigh add 198.51.100.77 lladdr 02:00:00:00:00:77 dev eth0 nud permanent",
        "neigh add 198.51.100.78 lladdr 02:00:00:00:00:78 dev eth0 nud noarp",
        "neigh add proxy 198.51.100.79 dev eth0",
        "-6 neigh add 2001:db8:5::77 lladdr 02:00:00:00:01:77 dev eth0 nud permanent",
      ]
    ) assertExit(await lab.sh(["ip", ...line.split(" ")]), 0, line);
    const ip = new IpReader(lab.runner);
    const separate = {
      netns: await ip.netnsList(),
      links: await ip.links(),
      addrs: await ip.addrs(),
      routes4: await ip.routes(4),
      routes6: await ip.routes(6),
      rules4: await ip.rules(4),
      rules6: await ip.rules(6),
      neighbours: await ip.staticNeighbours(),
    };
    assert.ok(separate.routes4.some((r) => r.dst === "203.0.113.0/24" && r.table === "100"));
    assert.ok(separate.rules6.some((r) => r.priority === 101));
    assert.equal(separate.neighbours.length, 4, JSON.stringify(separate.neighbours));
    // Read with -details, each link's entry of the addresses carries the link's details besides: the same addresses.
    const lists = await readHostLists(lab.runner);
    const addrsOnly = (l: typeof lists.addrs) => l.map((a) => [a.ifname, a.addr_info]);
    assert.deepEqual(addrsOnly(lists.addrs), addrsOnly(separate.addrs));
    assert.ok(lists.addrs.some((a) => a.ifname === "br9" && "linkinfo" in a), "the addresses' links have details");
    assert.deepEqual({ ...lists, addrs: separate.addrs }, separate);
    // SnapshotIpReader's batch (undo's hazard checks, status) answers the neighbour entries alike, of all and of one link.
    const look = new SnapshotIpReader(lab.runner);
    await look.prefetch();
    assert.deepEqual(await look.staticNeighbours(), separate.neighbours);
    assert.deepEqual(await look.staticNeighbours(undefined, "eth0"), await ip.staticNeighbours(undefined, "eth0"));
    assertExit(await lab.sh(["ip", "netns", "del", "web"]), 0, "netns del");
  });
});

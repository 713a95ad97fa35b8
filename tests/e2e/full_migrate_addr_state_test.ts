/**
 * H10, H9: full-migrate leaves alone the uplink's addresses that are the
 * kernel's business: one that failed duplicate address detection stays
 * disabled on eth0 (never made live on br0, nor on eth0 after undo), and IPv6
 * privacy addresses are not copied as static ones (the kernel makes its own on
 * br0, and on eth0 again after undo). Each: the plan says so, the namespace
 * reaches the LAN, undo restores the snapshot.
 */
import assert from "node:assert/strict";
import { type IpAddrInfo, IpReader } from "../../src/host/mod.ts";
import { type TestLab, withLab } from "../support/lab.ts";
import { LAB_NETNS } from "../../src/lab/mod.ts";
import { migrateAndUndo, ping, setup } from "../support/migrate.ts";
import { waitFor } from "../support/wait.ts";

/** The IPv6 global addresses of `dev` in the lab. */
async function addrs6(lab: TestLab, dev: string): Promise<IpAddrInfo[]> {
  const links = await new IpReader(lab.runner).addrs(undefined, dev);
  return (links[0]?.addr_info ?? []).filter((a) => a.family === "inet6" && a.scope === "global");
}

const PLAN = [
  "plan",
  "full-migrate",
  "--name",
  "ns",
  "--address",
  "198.51.100.50/24",
  "--address6",
  "2001:db8:1::50/64",
];

Deno.test("H10: an address that failed DAD (the LAN host holds it) stays disabled on eth0, is not made live on br0, and undo leaves it disabled", async () => {
  await withLab(async (lab) => {
    await setup(lab, [
      ["sysctl", "-qw", "net.ipv6.conf.eth0.accept_dad=1"],
      ["ip", "-6", "addr", "add", "2001:db8:1::20/64", "dev", "eth0"],
    ]);
    const failed = async () => (await addrs6(lab, "eth0")).find((a) => a.local === "2001:db8:1::20");
    await waitFor("DAD to fail for 2001:db8:1::20", async () => (await failed())?.dadfailed === true, 10_000);
    const plan = await lab.nsrecipe(PLAN);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout + plan.stderr, /2001:db8:1::20\/64 failed duplicate address detection/);
    assert.doesNotMatch(plan.stdout, /addr add 2001:db8:1::20\//);
    await migrateAndUndo(lab, {
      during: async () => {
        assert.deepEqual((await addrs6(lab, "br0")).filter((a) => a.local === "2001:db8:1::20"), []);
        const left = await failed();
        assert.deepEqual([left?.dadfailed, left?.tentative], [true, true], "still disabled on the port");
      },
      dadfailedAnywhere: true,
    });
    const after = await failed();
    assert.deepEqual([after?.dadfailed, after?.tentative], [true, true], "after undo: still disabled");
  });
});

Deno.test("H9: privacy (temporary) addresses are not copied; the kernel makes new ones on br0 from the mngtmpaddr address, and on eth0 after undo", async () => {
  await withLab(async (lab) => {
    await setup(lab, [
      ["sysctl", "-qw", "net.ipv6.conf.eth0.use_tempaddr=2"],
      ["ip", "-6", "addr", "add", "2001:db8:1::60/64", "dev", "eth0", "mngtmpaddr"],
    ]);
    const temporaries = async (dev: string) => (await addrs6(lab, dev)).filter((a) => a.temporary);
    await waitFor("a temporary address on eth0", async () => (await temporaries("eth0")).length === 1, 10_000);
    const [old] = await temporaries("eth0");
    const plan = await lab.nsrecipe(PLAN);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout + plan.stderr, new RegExp(`Not copied: privacy address ${old.local}/64 \\(temporary`));
    assert.doesNotMatch(plan.stdout, new RegExp(`addr add ${old.local}/`));
    await migrateAndUndo(lab, {
      during: async () => {
        const onBridge = await addrs6(lab, "br0");
        assert.deepEqual(onBridge.filter((a) => a.local === old.local && !a.temporary), [], "no static copy");
        await waitFor("a kernel temporary address on br0", async () => (await temporaries("br0")).length === 1, 10_000);
        assert.deepEqual(await temporaries("eth0"), [], "the port's went with their base");
      },
    });
    assert.equal((await temporaries("eth0")).length, 1, "after undo: the kernel made one on eth0 again");
  });
});

Deno.test("H1: the kernel prefix route of an IPv6 address with a finite lifetime leaves the uplink with it, so the prefix is reached through br0; undo brings it back", async () => {
  await withLab(async (lab) => {
    await setup(lab, [
      ["ip", "-6", "addr", "add", "2001:db8:2::1/64", "dev", "eth0", "valid_lft", "5000", "preferred_lft", "4000"],
      [
        "ip",
        "netns",
        "exec",
        LAB_NETNS.lanHost,
        "ip",
        "-6",
        "addr",
        "add",
        "2001:db8:2::20/64",
        "dev",
        "eth0",
        "nodad",
      ],
    ]);
    const prefixRoutes = async (dev: string) =>
      (await new IpReader(lab.runner).routes(6)).filter((r) => r.dst === "2001:db8:2::/64" && r.dev === dev);
    assert.equal((await prefixRoutes("eth0")).length, 1);
    await migrateAndUndo(lab, {
      extra: ["--force"],
      hostTargets: ["2001:db8:2::20"],
      during: async () => {
        assert.deepEqual(await prefixRoutes("eth0"), [], "no prefix route left on the port");
        assert.deepEqual((await prefixRoutes("br0")).map((r) => r.protocol), ["kernel"]);
      },
    });
    assert.deepEqual((await prefixRoutes("eth0")).map((r) => [r.protocol, r.metric]), [["kernel", 256]]);
    assert.equal((await ping(lab, "2001:db8:2::20")).code, 0, "after undo: the prefix is reached through eth0");
  });
});

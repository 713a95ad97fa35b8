/**
 * Undo never destroys what is not its own (RELIABILITY.md section 3): before
 * the first inverse, undo looks for what someone else attached to the objects
 * the run made (ports on its bridge, addresses, routes and neighbour entries on
 * it, links moved into its namespace) and for addresses it would take away
 * without being able to put them back (the uplink replaced meanwhile). Either
 * way it refuses with the host unchanged (exit 5, the run still applied), and
 * once the admin has dealt with it, undo goes ahead and restores the host.
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { type TestLab, withLab } from "../support/lab.ts";
import { assertExit, assertNoNetnsLeft, assertSameHost, endState, journalOf } from "../support/reliability.ts";

const MIGRATE = ["run", "full-migrate", "--name", "fm", "--address", "198.51.100.50/24", "--no-confirm"];

/** Runs a shell script in the lab and asserts it succeeded. */
async function sh(lab: TestLab, script: string): Promise<void> {
  const r = await lab.sh(["sh", "-c", script]);
  assert.equal(r.code, 0, `${script}: ${r.stderr}`);
}

/**
 * Whether the lab host (or a netns in it) reaches `target`: ping(8) sends a probe each second until one is answered,
 * for at most 10 s (`-c 1 -w 10`); exit code 0 when answered. Each check follows a change of the links (a port
 * enslaved, a bridge deleted): on a loaded machine the first probe can go out before the neighbour is resolved
 * again, and one probe with a 2 s wait failed once in a whole run (load above 10 on 2 cores).
 */
async function ping(lab: TestLab, target: string, netns?: string): Promise<number> {
  const argv = ["ping", "-c", "1", "-w", "10", target];
  return (await lab.sh(netns ? ["ip", "netns", "exec", netns, ...argv] : argv)).code;
}

/** Undo refused: exit 5, nothing changed, the run still applied. */
async function assertRefused(lab: TestLab, expected: RegExp[]): Promise<string> {
  const held = await lab.snapshot();
  const undo = await lab.nsrecipe(["undo"]);
  assertExit(undo, EXIT.attention, "undo");
  assert.match(undo.stderr, /did not start/);
  for (const re of expected) assert.match(undo.stderr, re);
  assert.match(undo.stderr, /Nothing was changed; the run stays applied/);
  assertSameHost(await lab.snapshot(), held, "a refused undo");
  assert.equal(endState((await journalOf(lab)).records), "applied", "the run is still open");
  return undo.stderr;
}

Deno.test("full-migrate, then a VM's port, an address and a route added to br0 by hand: undo refuses (exit 5), names each, changes nothing; once they are gone, undo restores the host", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    assertExit(await lab.nsrecipe(MIGRATE), EXIT.ok, "run");
    await sh(
      lab,
      "ip link add vnet0 type veth peer name vnet0p && ip link set vnet0 master br0 && ip link set vnet0 up && " +
        "ip addr add 198.51.100.11/24 dev br0 && ip route add 192.0.2.0/24 via 198.51.100.1 dev br0 && " +
        "ip route add 203.0.113.0/24 via 198.51.100.1 dev br0 table 100 && " +
        "ip neigh add 198.51.100.77 lladdr 02:00:00:00:00:77 dev br0 nud permanent",
    );
    await assertRefused(lab, [
      /'vnet0' is a port of bridge 'br0'/,
      /address 198\.51\.100\.11\/24 is on bridge 'br0'/,
      /route 192\.0\.2\.0\/24 via 198\.51\.100\.1 goes through bridge 'br0'/,
      /route 203\.0\.113\.0\/24 via 198\.51\.100\.1 table 100 goes through bridge 'br0'/,
      /neighbour entry 198\.51\.100\.77 is on bridge 'br0'/,
    ]);
    assert.equal(await ping(lab, "198.51.100.1"), 0, "the host still reaches its gateway through br0");
    assert.equal(await ping(lab, "198.51.100.11", "lab-lanhost"), 0, "the admin's address still answers");
    await sh(
      lab,
      "ip link del vnet0 && ip addr del 198.51.100.11/24 dev br0 && " +
        "ip route del 192.0.2.0/24 && ip route del 203.0.113.0/24 table 100 && ip neigh del 198.51.100.77 dev br0",
    );
    const undo = await lab.nsrecipe(["undo"]);
    assertExit(undo, EXIT.ok, "undo once they are gone");
    assertSameHost(await lab.snapshot(), before, "undo");
    assert.equal(await ping(lab, "198.51.100.1"), 0, "the host reaches its gateway through eth0");
    assert.match((await lab.nsrecipe(["undo"])).stdout, /Nothing to undo/);
  });
});

Deno.test("veth-bridge, then a VM's port on the bridge the run made: undo refuses (exit 5) and keeps the port on the bridge; once it leaves, undo restores the host", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    assertExit(await lab.nsrecipe(["run", "veth-bridge", "--name", "web"]), EXIT.ok, "run");
    await sh(
      lab,
      "ip link add vnet0 type veth peer name vnet0p && ip link set vnet0 master br0 && ip link set vnet0 up",
    );
    await assertRefused(lab, [/'vnet0' is a port of bridge 'br0'/]);
    const vnet0 = JSON.parse((await lab.sh(["ip", "-json", "link", "show", "dev", "vnet0"])).stdout)[0];
    assert.equal(vnet0.master, "br0", "the VM's port is still enslaved");
    await sh(lab, "ip link set vnet0 nomaster && ip link del vnet0");
    assertExit(await lab.nsrecipe(["undo"]), EXIT.ok, "undo once the port left");
    assertSameHost(await lab.snapshot(), before, "undo");
    await assertNoNetnsLeft(lab);
  });
});

Deno.test("netns, then an admin's veth end moved into the run's namespace: undo refuses (exit 5) and the host end survives; once it is moved out, undo restores the host", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    assertExit(await lab.nsrecipe(["run", "netns", "--name", "web"]), EXIT.ok, "run");
    await sh(lab, "ip link add foo type veth peer name foo-ns && ip link set foo-ns netns web");
    await assertRefused(lab, [/link 'foo-ns' is in network namespace 'web' \(moved or made there by hand\)/]);
    assert.equal((await lab.sh(["ip", "link", "show", "dev", "foo"])).code, 0, "the host end is still there");
    await sh(lab, "ip -n web link set foo-ns netns 1 && ip link del foo");
    assertExit(await lab.nsrecipe(["undo"]), EXIT.ok, "undo once the link left");
    assertSameHost(await lab.snapshot(), before, "undo");
  });
});

Deno.test("a second VM port made inside the run's namespace by hand (both veth ends there): undo refuses, naming both", async () => {
  await withLab(async (lab) => {
    assertExit(await lab.nsrecipe(["run", "netns", "--name", "web"]), EXIT.ok, "run");
    await sh(lab, "ip -n web link add a0 type veth peer name a1");
    await assertRefused(lab, [/link 'a0' is in network namespace 'web'/, /link 'a1' is in network namespace 'web'/]);
    await sh(lab, "ip -n web link del a0");
    assertExit(await lab.nsrecipe(["undo"]), EXIT.ok, "undo once they are gone");
  });
});

Deno.test("full-migrate, then the uplink removed and made again under its name (NIC replugged): undo refuses before removing the bridge that holds the host's addresses, says how to restore them by hand; once done, undo closes the run", async () => {
  await withLab(async (lab) => {
    assertExit(await lab.nsrecipe(MIGRATE), EXIT.ok, "run");
    await sh(
      lab,
      "ip link del eth0 && ip link add eth0 address 02:00:00:00:10:10 type veth peer name lan0 netns lab-lan && " +
        "ip -n lab-lan link set lan0 master lanbr && ip -n lab-lan link set lan0 up && ip link set eth0 up",
    );
    const stderr = await assertRefused(lab, [
      /leave the host without addresses it cannot put back/,
      /address 198\.51\.100\.10\/24 would be removed from 'br0' and could not go back to 'eth0': 'eth0' is now another link/,
      /'ip addr add 198\.51\.100\.10\/24 dev eth0'/,
      /'ip -4 route add default via 198\.51\.100\.1 dev eth0 metric 100'/,
      /'ip link set dev eth0 master br0'/,
      /'ip link del dev br0'/,
    ]);
    const brAddrs = JSON.parse((await lab.sh(["ip", "-json", "addr", "show", "dev", "br0"])).stdout)[0].addr_info;
    assert.ok(brAddrs.some((a: { local: string }) => a.local === "198.51.100.10"), "br0 keeps the host's address");
    // Carry on migrated, as the message offers: the new NIC joins the bridge and the host is reachable again.
    await sh(lab, "ip link set dev eth0 master br0");
    assert.equal(await ping(lab, "198.51.100.1"), 0, "the host reaches its gateway through br0 again");
    // Then restore by hand with the printed commands and remove the bridge: undo closes the run.
    const commands = [...stderr.matchAll(/'(ip (?:addr|route|neigh) [^']+)'/g)].map((m) => m[1]);
    assert.ok(commands.length >= 2, stderr);
    await sh(lab, ["ip link del dev br0", ...commands].join(" && "));
    assert.equal(await ping(lab, "198.51.100.1"), 0, "the host reaches its gateway through eth0");
    const undo = await lab.nsrecipe(["undo"]);
    assertExit(undo, EXIT.attention, "undo after the restore by hand");
    assert.match(
      undo.stderr,
      /left alone: remove route default via 198\.51\.100\.1 dev eth0: 'eth0' is now another link/,
    );
    assert.equal(endState((await journalOf(lab)).records), "undone", "the run is closed");
    assert.equal(await ping(lab, "198.51.100.1"), 0, "and the host still reaches its gateway");
  });
});

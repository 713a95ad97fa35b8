/**
 * Undo never destroys what is not its own, links stacked on its links
 * included (RELIABILITY.md section 3): a VLAN, macvlan, macvtap or ipvlan an
 * admin makes on the bridge or the veth host end a run made names it as its
 * lower link (ip-link(8) `link DEV`; a VXLAN its `dev`), and the kernel
 * deletes such links with their lower one. `status` names them as drift
 * beforehand; `undo` refuses with the host unchanged (exit 5), and goes ahead
 * once they are gone. This lab's kernel has no VLAN or ipvlan driver: macvlan,
 * macvtap VXLAN stand for the kind here (a macvlan cannot sit on a bridge port: the veth host end
 * gets a VXLAN), the unit test covers all of them.
 * (Ports, addresses, routes and links moved into the namespace:
 * `undo_foreign_test.ts`.)
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { withLab } from "../support/lab.ts";
import { assertExit, assertNoNetnsLeft, assertSameHost, endState, journalOf } from "../support/reliability.ts";

Deno.test("veth-bridge, then a VXLAN and a macvlan on br0 and a VXLAN on the veth's host end made by hand: status names them, undo refuses (exit 5) and keeps them; once they are gone, undo restores the host", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    assertExit(await lab.nsrecipe(["run", "veth-bridge", "--name", "web"]), EXIT.ok, "run");
    const made = await lab.sh([
      "sh",
      "-c",
      "ip link add vx0 type vxlan id 100 dstport 4789 dev br0 && ip link add link br0 name mv0 type macvlan mode bridge && " +
      "ip link add vx1 type vxlan id 7 dstport 4790 dev veth-web",
    ]);
    assertExit(made, 0, "stacked links made by hand");
    const status = await lab.nsrecipe(["status", "web"]);
    assert.match(status.stdout, /^ {2}state: +drift$/m);
    for (
      const line of [
        "'vx0' (vxlan) is stacked on bridge 'br0'",
        "'mv0' (macvlan) is stacked on bridge 'br0'",
        "'vx1' (vxlan) is stacked on link 'veth-web'",
      ]
    ) {
      assert.ok(
        status.stdout.includes(`drift:      ${line}, which this run made, attached outside nsrecipe`),
        status.stdout,
      );
    }
    const held = await lab.snapshot();
    const undo = await lab.nsrecipe(["undo"]);
    assertExit(undo, EXIT.attention, "undo");
    assert.match(undo.stderr, /'vx0' \(vxlan\) is stacked on bridge 'br0'/);
    assert.match(undo.stderr, /'mv0' \(macvlan\) is stacked on bridge 'br0'/);
    assert.match(undo.stderr, /'vx1' \(vxlan\) is stacked on link 'veth-web'/);
    assert.match(undo.stderr, /Nothing was changed; the run stays applied/);
    assertSameHost(await lab.snapshot(), held, "a refused undo");
    assert.equal(endState((await journalOf(lab)).records), "applied", "the run is still open");
    assertExit(
      await lab.sh(["sh", "-c", "ip link del vx0 && ip link del mv0 && ip link del vx1"]),
      0,
      "del",
    );
    assertExit(await lab.nsrecipe(["undo"]), EXIT.ok, "undo once they are gone");
    assertSameHost(await lab.snapshot(), before, "undo");
    await assertNoNetnsLeft(lab);
  });
});

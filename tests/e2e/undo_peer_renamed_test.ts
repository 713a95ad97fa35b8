/**
 * Undo looks for a veth's host end after the batch that deleted the netns its peer is in (`peer_netns.ts`), for up to
 * PEER_GONE_BOUND_MS when something else holds that namespace alive. A link renamed by someone else in that window is
 * still the run's link: it is followed by its recorded identity (ifindex), not taken for gone because its name is
 * free, and deleted under its new name. Was: the name found free, the step was recorded 'went with netns' and the
 * renamed host end stayed on the host.
 *
 * @module
 */
import assert from "node:assert/strict";
import { withLab } from "../support/lab.ts";
import { assertExit, assertNothingOpen, assertSameHost, journalOf } from "../support/reliability.ts";
import { waitFor } from "../support/wait.ts";

Deno.test("undo: the veth's host end renamed by someone else while undo looks for it (its netns held alive by a bind mount) is followed and deleted under its new name; the host as before", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    assertExit(await lab.nsrecipe(["run", "veth-bridge", "--name", "rn"]), 0, "run rn");
    const mounted = await lab.sh(["sh", "-c", "touch /tmp/rn && mount --bind /run/netns/rn /tmp/rn"]);
    assert.equal(mounted.code, 0, mounted.stderr);
    const undoing = lab.nsrecipe(["undo", "rn"]);
    // The batch ran once /run/netns/rn is gone; undo then looks for the host end for PEER_GONE_BOUND_MS (the pair
    // held by the mount): renamed now, within that look.
    await waitFor(
      "the batch to delete netns rn",
      async () => {
        try {
          await Deno.lstat(lab.file("/run/netns/rn"));
          return false;
        } catch (e) {
          if (e instanceof Deno.errors.NotFound) return true;
          throw e;
        }
      },
      60_000,
      5,
    );
    const renamed = await lab.sh(["ip", "link", "set", "dev", "veth-rn", "name", "rn-renamed"]);
    // It fails only if it came after undo's look (PEER_GONE_BOUND_MS after the batch), the host end then deleted.
    assert.equal(renamed.code, 0, `the rename, during undo's look: ${renamed.stderr}`);
    const undo = await undoing;
    assertExit(undo, 0, "undo rn");
    assert.match(
      undo.stderr,
      /^ {2}undo: 'veth-rn' was renamed to 'rn-renamed' \(ifindex \d+, MAC [0-9a-f:]+\); following it$/m,
    );
    assert.match(
      undo.stderr,
      /^ {2}undo: 'rn-renamed' is still there \d+ ms after netns 'rn' was deleted \(.*\); deleting it$/m,
    );
    // Deleted by undo itself, not gone with the netns: 3 by their own inverse (the bridge, the veth pair, the netns).
    assert.match(
      undo.stdout,
      /^Undone \S+ \(rn\): 3 step\(s\) reverted, 9 went with netns 'rn', link 'veth-rn' and link 'br0'\n$/,
    );
    const inside = await lab.sh(["nsenter", "--net=/tmp/rn", "ip", "-json", "link", "show"]);
    assert.deepEqual((JSON.parse(inside.stdout) as { ifname: string }[]).map((l) => l.ifname), ["lo"]);
    assert.equal((await lab.sh(["umount", "/tmp/rn"])).code, 0);
    assertSameHost(await lab.snapshot(), before, "undo with the host end renamed during its look");
    assertNothingOpen(await journalOf(lab), "undo with the host end renamed during its look");
    const again = await lab.nsrecipe(["undo"]);
    assertExit(again, 0, "undo again");
    assert.match(again.stdout, /^Nothing to undo\.$/m);
  });
});

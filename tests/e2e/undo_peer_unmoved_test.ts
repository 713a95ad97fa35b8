/**
 * Undo leaves a veth pair to the netns its peer was moved into only when that move is recorded done
 * (`subsume` in `undo.ts`, `peer_netns.ts`). A run killed inside its batch after the veth was made and before its peer
 * was moved has the move recorded only as intended: the peer is still on the host, where deleting the netns does not
 * reach it. Was: undo left the veth to the netns anyway, waited the whole bound (PEER_GONE_BOUND_MS) for it and then
 * said "'veth-NAME' is still there 2067 ms after netns 'NAME' was deleted (something else holds that namespace
 * alive ...)", which nothing did.
 *
 * @module
 */
import assert from "node:assert/strict";
import { withLab } from "../support/lab.ts";
import {
  assertExit,
  assertNothingOpen,
  assertSameHost,
  fault,
  journalOf,
  KILLED,
  sequence,
} from "../support/reliability.ts";

Deno.test("undo of a veth-bridge run killed after its veth was made and before its peer was moved: the veth is deleted in undo's batch, not left to the netns its peer never entered; the host as before", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    // veth-bridge's steps 0-2: the netns, the veth pair, its peer's move into the netns (one batch, all intended).
    const run = await lab.nsrecipe(["run", "veth-bridge", "--name", "um"], fault("kill@in-batch:1"));
    assertExit(run, KILLED, "run killed after the veth pair was made");
    const seq = sequence((await journalOf(lab)).records);
    assert.ok(seq.includes("step-intent#2") && !seq.includes("step-done#2"), `the move is only intended: ${seq}`);
    const links = (JSON.parse((await lab.sh(["ip", "-json", "link", "show"])).stdout) as { ifname: string }[])
      .map((l) => l.ifname);
    assert.ok(links.includes("veth-um") && links.some((n) => n.startsWith("p-")), `the peer is on the host: ${links}`);

    const undo = await lab.nsrecipe(["--verbose", "undo", "um"]);
    assertExit(undo, 0, "undo um");
    assert.doesNotMatch(undo.stderr, /still there/);
    assert.match(undo.stderr, /^ {2}< link del dev veth-um$/m, "the veth is deleted in the batch");
    assert.match(undo.stderr, /^ {2}undo: reverted: create veth pair 'veth-um' <-> 'p-[0-9a-f]+'$/m);
    assertSameHost(await lab.snapshot(), before, "undo of a run killed before its peer's move");
    assertNothingOpen(await journalOf(lab), "undo of a run killed before its peer's move");
  });
});

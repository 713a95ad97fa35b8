/**
 * A run that would use an object of a run still waiting for confirmation is
 * refused (finding H5): it would pin the unconfirmed run, whose revert at the
 * deadline could then not take place.
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { withLab } from "../support/lab.ts";
import { assertExit, assertSameHost } from "../support/reliability.ts";

const FM = ["run", "full-migrate", "--name", "fm", "--address", "198.51.100.50/24", "--confirm", "300"];

Deno.test("confirm window: veth-bridge onto the bridge of an unconfirmed full-migrate is refused (exit 3, nothing changed); accepted once fm is confirmed", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    assertExit(await lab.nsrecipe(FM), 0, "full-migrate with a window");
    const during = await lab.snapshot();
    const v = await lab.nsrecipe(["run", "veth-bridge", "--name", "v", "--address", "198.51.100.53/24"]);
    assert.equal(v.code, EXIT.precondition, v.stderr);
    assert.match(
      v.stderr,
      /Run '[^']+' \(fm\) is waiting for confirmation \(until \d\d:\d\d:\d\d\), and this run would use link:br0 of it: its revert could then not take place; nothing was changed/,
    );
    assert.match(v.stderr, /Confirm it first \('nsrecipe confirm fm'\) or undo it \('nsrecipe undo fm'\)/);
    assert.deepEqual(await lab.snapshot(), during, "the refused run changed nothing");
    // A run that uses nothing of fm is not held up.
    assertExit(await lab.nsrecipe(["run", "netns", "--name", "other"]), 0, "an unrelated run");
    assertExit(await lab.nsrecipe(["confirm", "fm"]), 0, "confirm fm");
    assertExit(
      await lab.nsrecipe(["run", "veth-bridge", "--name", "v", "--address", "198.51.100.53/24"]),
      0,
      "veth-bridge once fm is confirmed",
    );
    assertExit(await lab.nsrecipe(["undo", "--all"]), 0, "undo --all");
    assertSameHost(await lab.snapshot(), before, "after undo --all");
  });
});

Deno.test("confirm window: a second veth-bridge onto the bridge made by an unconfirmed veth-bridge is accepted (the bridge is handed over), and the first can still be undone", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const first = [
      "run",
      "veth-bridge",
      "--name",
      "v1",
      "--bridge",
      "brv",
      "--address",
      "10.9.0.11/24",
      "--confirm",
      "300",
    ];
    assertExit(await lab.nsrecipe(first), 0, "veth-bridge v1 with a window");
    const v2 = await lab.nsrecipe([
      "run",
      "veth-bridge",
      "--name",
      "v2",
      "--bridge",
      "brv",
      "--address",
      "10.9.0.12/24",
    ]);
    assertExit(v2, 0, "veth-bridge v2 on the same bridge");
    assertExit(await lab.nsrecipe(["undo", "v1"]), 0, "undo v1 (as its revert would)");
    assert.equal((await lab.sh(["ip", "link", "show", "dev", "brv"])).code, 0, "brv stays for v2");
    assertExit(await lab.nsrecipe(["undo", "v2"]), 0, "undo v2");
    assertSameHost(await lab.snapshot(), before, "after both undos");
  });
});

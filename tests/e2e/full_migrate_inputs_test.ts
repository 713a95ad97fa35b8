/**
 * Issue 9 case 10 (F6, F7): full-migrate inputs that could only fail after
 * the uplink was switched, or that the LAN would not accept, are refused
 * before any step (usage error, exit 2), in a lab, and nothing changes.
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { snapshotDiff, withLab } from "../support/lab.ts";

Deno.test("F6/F7: full-migrate with an address whose prefix leaves the gateway out, or the LAN's network or broadcast address, exits 2 before any step", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    for (
      const [extra, message] of [
        [["--address", "198.51.100.50/32"], /the gateway 198\.51\.100\.1 is outside 198\.51\.100\.50\/32/],
        [["--address", "198.51.100.50/31"], /the gateway 198\.51\.100\.1 is outside 198\.51\.100\.50\/31/],
        [
          ["--address", "198.51.100.50/24", "--address6", "2001:db8:1::50/128"],
          /the gateway 2001:db8:1::1 is outside 2001:db8:1::50\/128/,
        ],
        [["--address", "198.51.100.255/24"], /198\.51\.100\.255 is the broadcast address of 198\.51\.100\.0\/24/],
        [["--address", "198.51.100.0/24"], /198\.51\.100\.0 is the network address of 198\.51\.100\.0\/24/],
      ] as const
    ) {
      const r = await lab.nsrecipe(["run", "full-migrate", "--name", "fm", ...extra, "--no-confirm"]);
      assert.equal(r.code, EXIT.usage, `${extra.join(" ")}: ${r.code} ${r.stderr}`);
      assert.match(r.stderr, message);
      const after = await lab.snapshot();
      assert.deepEqual(after, before, snapshotDiff(before, after));
    }
    const journal = await lab.nsrecipe(["journal"]);
    assert.equal(journal.code, 0, journal.stderr);
    assert.doesNotMatch(journal.stdout, /full-migrate/, "nothing was journalled");
  });
});

Deno.test("F9: a --bridge or --veth equal to another link name of the plan (derived veth, peer, uplink) exits 2 before any step, in both recipes", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    for (
      const [args, message] of [
        [["veth-bridge", "--name", "x", "--bridge", "veth-x"], /--name x\) and --bridge are both 'veth-x'/],
        [
          ["full-migrate", "--name", "x", "--bridge", "veth-x", "--address", "198.51.100.50/24", "--no-confirm"],
          /--name x\) and --bridge are both 'veth-x'/,
        ],
        [
          ["full-migrate", "--name", "x", "--veth", "eth0", "--address", "198.51.100.50/24", "--no-confirm"],
          /--veth and the uplink are both 'eth0'/,
        ],
      ] as const
    ) {
      const r = await lab.nsrecipe(["run", ...args]);
      assert.equal(r.code, EXIT.usage, `${args.join(" ")}: ${r.code} ${r.stderr}`);
      assert.match(r.stderr, message);
      const after = await lab.snapshot();
      assert.deepEqual(after, before, snapshotDiff(before, after));
    }
  });
});

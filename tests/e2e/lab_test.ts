/**
 * `nsrecipe lab` itself, run inside a test lab (a lab nests in a lab): its
 * options build the LAN they describe, and bad ones are usage errors.
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { withLab } from "../support/lab.ts";
import { assertExit, assertSameHost } from "../support/reliability.ts";

Deno.test("lab --address on another subnet: the LAN's gateway and other host follow it (ping both from the lab host)", async () => {
  await withLab(async (lab) => {
    for (
      const [opts, peers] of [
        [["--address", "10.9.0.10/24", "--gateway", "10.9.0.1"], ["10.9.0.1", "10.9.0.20"]],
        [["--uplink", "enp3s0", "--address", "192.0.2.10/24"], ["192.0.2.1", "192.0.2.20"]],
        [["--address", "172.16.5.3/29", "--gateway", "172.16.5.6"], ["172.16.5.6", "172.16.5.1"]],
      ] as const
    ) {
      for (const peer of peers) {
        const r = await lab.nsrecipe([
          "lab",
          ...opts,
          "--",
          "run",
          "pid-only",
          "--",
          "ping",
          "-c",
          "1",
          "-W",
          "5",
          peer,
        ]);
        assertExit(r, 0, `lab ${opts.join(" ")}: ping ${peer}`);
        assert.match(r.stderr + r.stdout, /1 received/, `lab ${opts.join(" ")}: ping ${peer}`);
      }
    }
  });
});

Deno.test("bad lab input is a usage error (exit 2) before any namespace is made, never exit 1", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    for (
      const [opts, pattern] of [
        [
          ["--address", "192.0.2.10/24", "--gateway", "198.51.100.1"],
          /--gateway '198.51.100.1' is not an address inside/,
        ],
        [["--address", "192.0.2.10/30"], /leaves no room for the lab's LAN/],
        [["--address", "192.0.2.10/24", "--gateway", "192.0.2.10"], /is the uplink's own address/],
        [["--address", "2001:db8:9::10/64"], /is IPv6; it takes the uplink's IPv4 address/],
      ] as const
    ) {
      const r = await lab.nsrecipe(["lab", ...opts, "--", "list"]);
      assertExit(r, EXIT.usage, `lab ${opts.join(" ")}`);
      assert.match(r.stderr, pattern);
    }
    assertSameHost(await lab.snapshot(), before, "bad lab options");
  });
});

/**
 * A lab's later snapshots run their reads in one shell and replay them to takeSnapshot (`TestLab.snapshot`,
 * `tests/support/one_shell.ts`): each must read the host as it is now, equal to a snapshot taken with nsrecipe's own
 * reads one by one, and see a change made since the last one (links, routes, settings, nftables), on the lab host
 * and inside a netns.
 */
import assert from "node:assert/strict";
import { diffSnapshots, takeSnapshot } from "../../src/host/mod.ts";
import { withLab } from "../support/lab.ts";

Deno.test("a replayed lab snapshot reads the host as it is now: equal to nsrecipe's reads, and sees each change (host and netns)", async () => {
  await withLab(async (lab) => {
    const sh = async (script: string) => {
      const r = await lab.sh(["sh", "-ec", script]);
      assert.equal(r.code, 0, r.stderr);
    };
    const first = await lab.snapshot();
    assert.equal(lab.replayedSnapshots, 0, "the first snapshot records its reads");
    assert.deepEqual(first, await takeSnapshot(lab.runner));

    await sh([
      "ip link add zz0 type bridge",
      "ip addr add 203.0.113.1/24 dev zz0",
      "ip link set zz0 up",
      "ip route add 198.18.0.0/15 via 203.0.113.2 table 7",
      "sysctl -q -w net.ipv4.conf.zz0.rp_filter=2",
      "nft add table inet zztest",
    ].join("\n"));
    const second = await lab.snapshot();
    assert.equal(lab.replayedSnapshots, 1, "the second snapshot ran its reads in one shell");
    assert.deepEqual(second, await takeSnapshot(lab.runner));
    const diff = diffSnapshots(first, second);
    for (
      const seen of [
        /^\+ link .*"name":"zz0"/,
        /^\+ addr .*"local":"203\.0\.113\.1"/,
        /^\+ route ipv4 table 7 198\.18\.0\.0\/15 via 203\.0\.113\.2 dev zz0/,
        /^\+ sysctl net\.ipv4\.conf\.zz0\.rp_filter = 2$/,
        /^\+ nft table inet zztest/,
      ]
    ) assert.ok(diff.some((l) => seen.test(l)), `${seen} in:\n${diff.join("\n")}`);

    await sh("ip netns add t1\nip -n t1 link add in0 type bridge");
    const inside = await lab.snapshot("t1");
    await sh("ip -n t1 link set in0 mtu 1400\nip netns exec t1 sysctl -q -w net.ipv6.conf.in0.accept_ra=0");
    const again = await lab.snapshot("t1");
    assert.equal(lab.replayedSnapshots, 2);
    assert.deepEqual(again, await takeSnapshot(lab.runner, "t1"));
    assert.deepEqual(diffSnapshots(inside, again).filter((l) => / in0|in0\./.test(l)).length, 4);
  });
});

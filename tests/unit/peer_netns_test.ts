import assert from "node:assert/strict";
import { awaitGone, linkGone, PEER_GONE_BOUND_MS, peerDeferrals } from "../../src/engine/peer_netns.ts";
import type { IpLink } from "../../src/host/mod.ts";
import type { Step } from "../../src/steps/mod.ts";

const bridge = { kind: "bridge-add", dev: "br0" } as Step;
const veth = { kind: "veth-add", dev: "veth-web", peer: "p-1" } as Step;
const netns = { kind: "netns-add", netns: "web" } as Step;

Deno.test("peerDeferrals: a veth marked with a netns that a later step of the same batch deletes is left to it; the position of that step is given", () => {
  const batch = [{ step: bridge }, { step: veth, peerNetns: "netns:web" }, { step: netns }];
  assert.deepEqual([...peerDeferrals(batch)], [[1, 2]]);
});

Deno.test("peerDeferrals: no deferral when the netns's deletion is not in the batch, comes before the veth, or deletes another netns", () => {
  const marked = { step: veth, peerNetns: "netns:web" };
  assert.deepEqual([...peerDeferrals([{ step: bridge }, marked])], []);
  assert.deepEqual([...peerDeferrals([{ step: netns }, marked])], []);
  assert.deepEqual([...peerDeferrals([marked, { step: { kind: "netns-add", netns: "other" } as Step }])], []);
  // Unmarked (subsume found no move of its peer into a netns this undo deletes): deleted by its own line.
  assert.deepEqual([...peerDeferrals([{ step: veth }, { step: netns }])], []);
});

/** A link as `ip -json -details link show` gives it. */
const link = (ifindex: number, address: string): IpLink =>
  ({ ifindex, ifname: "veth-web", address, linkinfo: { info_kind: "veth" } }) as unknown as IpLink;

Deno.test("linkGone: gone when no link has the name or another link has it (its ifindex or stable MAC differ); there when it is the recorded one, or nothing was recorded", () => {
  const recorded = { type: "link" as const, ifindex: 7, mac: "02:00:00:00:00:07", macStable: true as const };
  assert.equal(linkGone(undefined, recorded), true);
  assert.equal(linkGone(undefined), true);
  assert.equal(linkGone(link(7, "02:00:00:00:00:07"), recorded), false);
  assert.equal(linkGone(link(9, "02:00:00:00:00:07"), recorded), true);
  assert.equal(linkGone(link(7, "02:00:00:00:00:99"), recorded), true);
  assert.equal(linkGone(link(9, "02:00:00:00:00:99")), false);
});

/** A fake clock: `sleep` advances it at once and records each pause. */
function fakeClock() {
  let t = 1000;
  const pauses: number[] = [];
  return {
    pauses,
    now: () => t,
    sleep: (ms: number) => {
      pauses.push(ms);
      t += ms;
      return Promise.resolve();
    },
  };
}

Deno.test("awaitGone: looks at once, then after pauses of 1, 2, 4 ms, and answers at the first look that finds it gone", async () => {
  const clock = fakeClock();
  let looks = 0;
  const got = await awaitGone(() => Promise.resolve(++looks === 4), 2000, clock);
  assert.deepEqual(got, { gone: true, looks: 4, waitedMs: 7 });
  assert.deepEqual(clock.pauses, [1, 2, 4]);
});

Deno.test("awaitGone: never gone, it stops at the bound: pauses doubling up to 100 ms, the last cut to end at the bound, one last look there", async () => {
  const clock = fakeClock();
  const short = await awaitGone(() => Promise.resolve(false), 10, clock);
  assert.deepEqual(short, { gone: false, looks: 5, waitedMs: 10 });
  assert.deepEqual(clock.pauses, [1, 2, 4, 3]);

  const whole = fakeClock();
  const got = await awaitGone(() => Promise.resolve(false), undefined, whole);
  // 1 + 2 + … + 64 = 127 ms, then 18 pauses of 100 ms (1927 ms), then 73 ms to the bound of 2000 ms.
  assert.equal(PEER_GONE_BOUND_MS, 2000);
  assert.deepEqual(whole.pauses, [1, 2, 4, 8, 16, 32, 64, ...Array(18).fill(100), 73]);
  assert.deepEqual(got, { gone: false, looks: 27, waitedMs: 2000 });
});

Deno.test("awaitGone: what a look throws is thrown, no further look", async () => {
  const clock = fakeClock();
  let looks = 0;
  await assert.rejects(
    awaitGone(
      () => {
        looks++;
        return Promise.reject(new Error("ip crashed"));
      },
      2000,
      clock,
    ),
    /ip crashed/,
  );
  assert.equal(looks, 1);
  assert.deepEqual(clock.pauses, []);
});

import assert from "node:assert/strict";
import { awaitGone, lookHostEnd, PEER_GONE_BOUND_MS, peerDeferrals } from "../../src/engine/peer_netns.ts";
import { CommandError } from "../../src/errors.ts";
import { recordingRunner } from "../../src/exec/mod.ts";
import { type IpLink, IpReader } from "../../src/host/mod.ts";
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

/** A veth as `ip -json -details link show` gives it. */
const vethLink = (ifindex: number, ifname: string, address = "02:00:00:00:00:07"): IpLink =>
  ({ ifindex, ifname, address, linkinfo: { info_kind: "veth" } }) as unknown as IpLink;

/** A fake host with these links: answers `ip -json -details link show [dev X]` (a missing one: exit 1), as the kernel would. */
function fakeHost(links: IpLink[], fails = false) {
  return recordingRunner((argv) => {
    if (fails) return { code: 1, stderr: "Cannot send dump request: Connection refused" };
    const i = argv.indexOf("show");
    if (argv[i + 1] !== "dev") return { stdout: JSON.stringify(links) };
    const l = links.find((x) => x.ifname === argv[i + 2]);
    return l ? { stdout: JSON.stringify([l]) } : { code: 1, stderr: `Device "${argv[i + 2]}" does not exist.` };
  });
}

const recorded = { type: "link" as const, ifindex: 7, mac: "02:00:00:00:00:07", macStable: true as const };
const reads = (calls: { argv: readonly string[] }[]) => calls.map((c) => c.argv.join(" "));

Deno.test("lookHostEnd: the recorded link under its name is there, read by name alone", async () => {
  const host = fakeHost([vethLink(7, "veth-web")]);
  assert.deepEqual(await lookHostEnd(new IpReader(host.run), "veth-web", recorded), { gone: false, name: "veth-web" });
  assert.deepEqual(reads(host.calls), ["ip -json -details link show dev veth-web"]);
});

Deno.test("lookHostEnd: renamed by someone else (its name free, or taken by another link), it is there under its new name, found by its ifindex in the whole list", async () => {
  const renamed = fakeHost([vethLink(3, "eth0"), vethLink(7, "renamed")]);
  assert.deepEqual(await lookHostEnd(new IpReader(renamed.run), "veth-web", recorded), {
    gone: false,
    name: "renamed",
  });
  assert.deepEqual(reads(renamed.calls), ["ip -json -details link show dev veth-web", "ip -json -details link show"]);
  const taken = fakeHost([vethLink(7, "renamed"), vethLink(9, "veth-web", "02:00:00:00:00:09")]);
  assert.deepEqual(await lookHostEnd(new IpReader(taken.run), "veth-web", recorded), { gone: false, name: "renamed" });
});

Deno.test("lookHostEnd: gone when no link has the recorded identity: the name free, or taken by another link (another ifindex, or the stable MAC differs)", async () => {
  for (
    const links of [
      [vethLink(3, "eth0")],
      [vethLink(9, "veth-web", "02:00:00:00:00:09")],
      [vethLink(7, "veth-web", "02:00:00:00:00:99")],
    ]
  ) {
    assert.deepEqual(await lookHostEnd(new IpReader(fakeHost(links).run), "veth-web", recorded), { gone: true });
  }
});

Deno.test("lookHostEnd: a host whose links cannot be read is not taken for one without the link: the error is thrown", async () => {
  await assert.rejects(lookHostEnd(new IpReader(fakeHost([], true).run), "veth-web", recorded), CommandError);
});

Deno.test("lookHostEnd: without a recorded identity (a journal of an earlier version), the name decides", async () => {
  const other = vethLink(9, "veth-web", "02:00:00:00:00:09");
  assert.deepEqual(await lookHostEnd(new IpReader(fakeHost([other]).run), "veth-web"), {
    gone: false,
    name: "veth-web",
  });
  assert.deepEqual(await lookHostEnd(new IpReader(fakeHost([]).run), "veth-web"), { gone: true });
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

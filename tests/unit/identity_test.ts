import assert from "node:assert/strict";
import { type EngineDeps, faultHook, revertItems, whereNow } from "../../src/engine/mod.ts";
import { recordingRunner } from "../../src/exec/mod.ts";
import {
  type Identity,
  identityKey,
  type IpLink,
  IpReader,
  judge,
  locate,
  replacedWords,
  sameIdentity,
} from "../../src/host/mod.ts";
import type { Journal, JournalRecord, RecordBody } from "../../src/journal/mod.ts";
import { renamedStep, type Step } from "../../src/steps/mod.ts";

const link = (ifindex: number, mac = "02:00:00:00:00:01"): Identity => ({ type: "link", ifindex, mac });
const ns = (ino: number, mtimeMs?: number): Identity => ({ type: "netns", dev: 4, ino, mtimeMs });

Deno.test("identityKey: link and netns ids have an identity; sysctl, nft and a route without a device do not", () => {
  assert.deepEqual(identityKey("link:br0"), { type: "link", name: "br0" });
  assert.deepEqual(identityKey("netns:web"), { type: "netns", name: "web" });
  assert.equal(identityKey("link:-"), undefined);
  assert.equal(identityKey("sysctl:net.ipv4.ip_forward"), undefined);
  assert.equal(identityKey("nft:nsrecipe_web"), undefined);
});

Deno.test("sameIdentity: a link by its ifindex (a new MAC is the same link); a namespace by device, inode and time", () => {
  assert.ok(sameIdentity(link(5), link(5, "02:00:00:00:00:99")));
  assert.ok(!sameIdentity(link(5), link(9)));
  assert.ok(sameIdentity(ns(100, 1000), ns(100, 1000)));
  assert.ok(
    !sameIdentity(ns(100, 1000), ns(100, 2000)),
    "a reused inode number with another time is another namespace",
  );
  assert.ok(!sameIdentity(ns(100), ns(101)));
  assert.ok(sameIdentity(ns(100), ns(100, 2000)), "without a recorded time, device and inode decide");
  assert.ok(!sameIdentity(link(100), ns(100)));
});

Deno.test("judge: same, renamed, replaced, gone, unknown", () => {
  assert.deepEqual(judge(link(5), link(5)), { state: "same" });
  assert.deepEqual(judge(link(5), undefined, "brlan"), { state: "renamed", name: "brlan" });
  assert.deepEqual(judge(link(5), link(9), "brlan"), { state: "renamed", name: "brlan" }, "renamed, name reused");
  assert.deepEqual(judge(link(5), link(9)), { state: "replaced", found: link(9) });
  assert.deepEqual(judge(link(5), undefined), { state: "gone" });
  assert.deepEqual(judge(undefined, link(9)), { state: "unknown" });
});

/** A fake host with the given links: answers `ip -json -details link show [dev X]`, obeys `ip link del dev X`. */
function fakeLinks(links: IpLink[]) {
  return recordingRunner((argv) => {
    if (argv.join(" ").startsWith("ip link del dev ")) {
      links.splice(links.findIndex((l) => l.ifname === argv[4]), 1);
      return {};
    }
    const i = argv.indexOf("show");
    if (argv[0] !== "ip" || i < 0) return {};
    if (argv[i + 1] === "dev") {
      const l = links.find((x) => x.ifname === argv[i + 2]);
      return l ? { stdout: JSON.stringify([l]) } : { code: 1, stderr: `Device "${argv[i + 2]}" does not exist.` };
    }
    return { stdout: JSON.stringify(links) };
  });
}

const bridge = (ifindex: number, ifname: string): IpLink => ({
  ifindex,
  ifname,
  flags: ["BROADCAST", "UP"],
  mtu: 1500,
  operstate: "UP",
  address: "02:00:00:00:00:01",
  linkinfo: { info_kind: "bridge" },
});

Deno.test("locate: finds a renamed link by its ifindex, and tells a replaced one from a gone one, with one read of the whole list", async () => {
  const { run, calls } = fakeLinks([bridge(5, "brlan"), bridge(9, "br1")]);
  const where = await locate(new IpReader(run), ["link:br0", "link:br1", "link:br2", "link:br3"], {
    "link:br0": link(5),
    "link:br1": link(7),
    "link:br2": link(8),
  });
  assert.deepEqual(where.get("link:br0"), { state: "renamed", name: "brlan" });
  assert.deepEqual(where.get("link:br1"), {
    state: "replaced",
    found: { type: "link", ifindex: 9, mac: "02:00:00:00:00:01" },
  });
  assert.deepEqual(where.get("link:br2"), { state: "gone" });
  assert.deepEqual(where.get("link:br3"), { state: "unknown" });
  assert.deepEqual(calls.map((c) => c.argv.join(" ")).filter((l) => !l.includes(" dev ")), [
    "ip -json -details link show",
  ]);
});

Deno.test("locate: links still where they were are confirmed by name alone, without reading the host's whole list", async () => {
  const { run, calls } = fakeLinks([bridge(5, "br0"), bridge(9, "br1"), bridge(11, "br9")]);
  const where = await locate(new IpReader(run), ["link:br0", "link:br1"], { "link:br0": link(5), "link:br1": link(9) });
  assert.deepEqual(where.get("link:br0"), { state: "same" });
  assert.deepEqual(where.get("link:br1"), { state: "same" });
  assert.deepEqual(calls.map((c) => c.argv.join(" ")).sort(), [
    "ip -json -details link show dev br0",
    "ip -json -details link show dev br1",
  ]);
});

Deno.test("renamedStep: host link names follow a rename in the step and in its captured state (IPv4 labels too); names inside a netns do not", () => {
  const rename = (d: string) => d === "eth0" ? "wan0" : d === "br0" ? "brlan" : d;
  const addrDel: Step = {
    kind: "addr-del",
    dev: "eth0",
    addr: { family: "inet", local: "198.51.100.10", prefixlen: 24 },
  };
  const captured = { family: "inet", local: "198.51.100.10", prefixlen: 24, label: "eth0:1" };
  const r = renamedStep(addrDel, captured, rename);
  assert.equal((r.step as { dev: string }).dev, "wan0");
  assert.equal((r.captured as { label: string }).label, "wan0:1");
  const master = renamedStep({ kind: "link-set-master", dev: "eth0", master: "br0" }, undefined, rename).step;
  assert.deepEqual(master, { kind: "link-set-master", dev: "wan0", master: "brlan" });
  const routeDel: Step = { kind: "route-del", route: { family: 4, dst: "default", via: "198.51.100.1", dev: "eth0" } };
  const rc = renamedStep(routeDel, { family: 4, dst: "default", via: "198.51.100.1", dev: "eth0", metric: 0 }, rename);
  assert.equal((rc.step as { route: { dev: string } }).route.dev, "wan0");
  assert.equal((rc.captured as { dev: string }).dev, "wan0");
  const inside: Step = { kind: "link-set-up", dev: "eth0", netns: "web" };
  assert.deepEqual(renamedStep(inside, undefined, rename).step, inside);
});

/** Engine dependencies over a fake host and an in-memory journal. */
function engine(
  run: ReturnType<typeof fakeLinks>["run"],
): { deps: EngineDeps; records: JournalRecord[]; log: string[] } {
  const records: JournalRecord[] = [];
  const log: string[] = [];
  const journal = {
    path: "/run/nsrecipe/journal.jsonl",
    append(body: RecordBody) {
      records.push({ v: 1, at: "", ...body } as JournalRecord);
      return Promise.resolve();
    },
  } as unknown as Journal;
  return {
    deps: {
      ctx: { run, ip: new IpReader(run), hostNetnsPath: "/proc/1/ns/net" },
      journal,
      bootId: "b",
      log: (l) => log.push(l),
      fault: faultHook([], run),
    },
    records,
    log,
  };
}

const BRIDGE_ADD: Step = { kind: "bridge-add", dev: "br0" };

Deno.test("revertItems: a bridge made again by someone else under the recorded name is left alone (no 'ip link del'), recorded with why", async () => {
  const host = fakeLinks([bridge(9, "br0")]);
  const { deps, records, log } = engine(host.run);
  const out = await revertItems(
    [{ run: "r1", index: 0, step: BRIDGE_ADD, identities: { "link:br0": link(5) }, done: true }],
    deps,
    "undo",
  );
  assert.equal(out[0].how, "left-alone");
  assert.match(
    out[0].error!,
    /'br0' is now another link \(ifindex 9, MAC [^)]+\), not the one run 'r1' made \(ifindex 5/,
  );
  assert.ok(!host.calls.some((c) => c.argv.includes("del")), "nothing was deleted");
  const rec = records[0] as { how: string; leftAlone?: string };
  assert.equal(rec.how, "already-gone");
  assert.match(rec.leftAlone!, /is now another link/);
  assert.match(log[0], /undo: left alone: create bridge 'br0'/);
});

Deno.test("revertItems: a bridge renamed by hand is deleted under its new name; without an identity the name decides, as before", async () => {
  const renamed = fakeLinks([bridge(5, "brlan")]);
  const a = engine(renamed.run);
  const out = await revertItems(
    [{ run: "r1", index: 0, step: BRIDGE_ADD, identities: { "link:br0": link(5) }, done: true }],
    a.deps,
    "undo",
  );
  assert.ok(renamed.calls.some((c) => c.argv.join(" ") === "ip link del dev brlan"), "deleted as brlan");
  assert.match(a.log[0], /'br0' was renamed to 'brlan' \(ifindex 5/);
  assert.equal(out[0].how, "reverted");
  const old = fakeLinks([bridge(9, "br0")]);
  const b = engine(old.run);
  await revertItems([{ run: "r1", index: 0, step: BRIDGE_ADD, done: true }], b.deps, "undo");
  assert.ok(old.calls.some((c) => c.argv.join(" ") === "ip link del dev br0"), "an old journal acts by name");
});

Deno.test("revertItems: when the inverse of a followed step fails, the step is checked under its new name, not found gone under the old one", async () => {
  const links = [bridge(5, "brlan")];
  const host = recordingRunner((argv) => {
    if (argv.join(" ") === "ip link del dev brlan") {
      return { code: 2, stderr: "RTNETLINK answers: Operation not permitted" };
    }
    const i = argv.indexOf("show");
    if (i < 0) return {};
    if (argv[i + 1] !== "dev") return { stdout: JSON.stringify(links) };
    const l = links.find((x) => x.ifname === argv[i + 2]);
    return l ? { stdout: JSON.stringify([l]) } : { code: 1, stderr: "does not exist" };
  });
  const { deps } = engine(host.run);
  const out = await revertItems(
    [{ run: "r1", index: 0, step: BRIDGE_ADD, identities: { "link:br0": link(5) }, done: true }],
    deps,
    "undo",
  );
  assert.equal(out[0].how, "failed");
  assert.match(out[0].error!, /Operation not permitted/);
});

Deno.test("whereNow: a replaced object is 'the one run R made' for the step that created it, 'the one run R recorded' for a step that only changed it (which may be on an object its run made in another step, or on the uplink)", async () => {
  const host = fakeLinks([bridge(9, "br0"), bridge(12, "eth0")]);
  const { deps } = engine(host.run);
  const made = await whereNow(
    { run: "r1", index: 0, step: BRIDGE_ADD, identities: { "link:br0": link(5) }, done: true },
    deps,
  );
  assert.deepEqual(made.replaced, [
    "'br0' is now another link (ifindex 9, MAC 02:00:00:00:00:01), not the one run 'r1' made (ifindex 5, MAC 02:00:00:00:00:01)",
  ]);
  const enslave: Step = { kind: "link-set-master", dev: "eth0", master: "br0" };
  const actedOn = await whereNow(
    { run: "r2", index: 3, step: enslave, identities: { "link:br0": link(5), "link:eth0": link(3) }, done: true },
    deps,
  );
  assert.deepEqual(actedOn.replaced.toSorted(), [
    "'br0' is now another link (ifindex 9, MAC 02:00:00:00:00:01), not the one run 'r2' recorded (ifindex 5, MAC 02:00:00:00:00:01)",
    "'eth0' is now another link (ifindex 12, MAC 02:00:00:00:00:01), not the one run 'r2' recorded (ifindex 3, MAC 02:00:00:00:00:01)",
  ]);
});

Deno.test("replacedWords: a namespace with the inode number of the one replaced (the kernel reuses them) is told apart by when each was made", () => {
  const made = Date.parse("2026-12-03T20:11:05.123Z");
  // Local time: the zone moves the hours and minutes, not the seconds and milliseconds.
  assert.match(
    replacedWords("web", ns(4026532373, made + 2_000), ns(4026532373, made), "this run made"),
    /^'web' is now another network namespace \(inode 4026532373, made 2026-12-0[34] \d\d:\d\d:07\.123\), not the one this run made \(inode 4026532373, made 2026-12-0[34] \d\d:\d\d:05\.123\)$/,
  );
  // Inodes that differ need no time.
  assert.equal(
    replacedWords("web", ns(4026532440, made + 2_000), ns(4026532373, made), "this run made"),
    "'web' is now another network namespace (inode 4026532440), not the one this run made (inode 4026532373)",
  );
});

Deno.test("replacedWords: a network namespace and a link, in the words undo, its dry run and status share", () => {
  assert.equal(
    replacedWords("web", ns(4026532440), ns(4026532373), "this run made"),
    "'web' is now another network namespace (inode 4026532440), not the one this run made (inode 4026532373)",
  );
  assert.equal(
    replacedWords("eth0", link(12, "52:54:00:12:34:56"), link(2, "52:54:00:ab:cd:ef"), "run 'R' recorded"),
    "'eth0' is now another link (ifindex 12, MAC 52:54:00:12:34:56), not the one run 'R' recorded (ifindex 2, MAC 52:54:00:ab:cd:ef)",
  );
});

import assert from "node:assert/strict";
import { recordingRunner } from "../../src/exec/mod.ts";
import { entryState, netnsMounts } from "../../src/host/mod.ts";

// proc(5) mountinfo: the fifth field is the mount point, octal-escaped.
const MOUNTINFO = [
  "22 1 0:21 / / rw,relatime - overlay overlay rw",
  "130 22 0:45 / /run rw,relatime - tmpfs nsrecipe-lab-run rw,mode=755",
  "140 130 0:45 /netns /run/netns rw,relatime shared:80 - tmpfs nsrecipe-lab-run rw,mode=755",
  "141 140 0:4 net:[4026532300] /run/netns/web rw shared:81 - nsfs nsfs rw",
  "142 130 0:4 net:[4026532300] /run/netns/web rw shared:81 - nsfs nsfs rw",
  "143 140 0:4 net:[4026532400] /run/netns/a\\040b rw shared:82 - nsfs nsfs rw",
  "144 140 0:4 net:[4026532500] /run/netns/x/y rw - nsfs nsfs rw",
  "",
].join("\n");

Deno.test("netnsMounts: the names mounted on /run/netns entries, from one read of mountinfo (escapes decoded; not /run/netns itself)", async () => {
  const { run, calls } = recordingRunner(() => ({ stdout: MOUNTINFO }));
  assert.deepEqual([...await netnsMounts(run)].sort(), ["a b", "web"]);
  assert.deepEqual(calls.map((c) => c.argv), [["cat", "/proc/self/mountinfo"]]);
});

Deno.test("entryState: live when listed and mounted, stale when listed but not mounted, absent when not listed", () => {
  const mounted = new Set(["web"]);
  assert.equal(entryState("web", ["web", "old"], mounted), "live");
  assert.equal(entryState("old", ["web", "old"], mounted), "stale");
  assert.equal(entryState("db", ["web", "old"], mounted), "absent");
});

import assert from "node:assert/strict";
import { beginLook, DEEP_UP_TO, depthFor, LookIpReader, lookOnce, replacedNetns } from "../../src/cli/status_look.ts";
import { Unread } from "../../src/engine/mod.ts";
import { recordingRunner } from "../../src/exec/mod.ts";
import { foldRuns } from "../../src/journal/mod.ts";
import { locate } from "../../src/host/mod.ts";
import { kindOf } from "../../src/steps/mod.ts";
import { parseJournal } from "../support/journal_text.ts";

Deno.test("status's depth: deep up to DEEP_UP_TO live namespaces, quick beyond; --deep and --quick win either way", () => {
  assert.equal(DEEP_UP_TO, 8);
  assert.deepEqual([0, 1, 8].map((n) => depthFor(n)), ["deep", "deep", "deep"]);
  assert.deepEqual([9, 50].map((n) => depthFor(n)), ["quick", "quick"]);
  assert.equal(depthFor(50, "deep"), "deep");
  assert.equal(depthFor(1, "quick"), "quick");
});

const AT = "2026-12-01T04:00:00.000Z";
/** Open runs of a journal whose one run made a bridge on the host (no namespace). */
function hostOnlyRuns() {
  const records = [
    {
      v: 1,
      at: AT,
      kind: "run-begin",
      run: "r1",
      recipe: "veth-bridge",
      label: "r1",
      params: {},
      uses: [],
      steps: [{ kind: "bridge-add", dev: "br9" }],
      bootId: "b1",
      pid: 42,
    },
    { v: 1, at: AT, kind: "step-intent", run: "r1", index: 0 },
    { v: 1, at: AT, kind: "step-done", run: "r1", index: 0 },
    { v: 1, at: AT, kind: "run-end", run: "r1", state: "applied" },
  ];
  return foldRuns(parseJournal(records.map((r) => JSON.stringify(r)).join("\n") + "\n")).runs;
}

/** A runner answering the host's `ip -batch` read with six empty lists (and lsns with none). */
function hostRunner() {
  return recordingRunner((argv) =>
    argv[0] === "lsns" ? { stdout: '{"namespaces": []}' } : { stdout: "[]\n[]\n[]\n[]\n[]\n[]\n" }
  );
}
const HOST_READ = "ip -json -details -batch -";

Deno.test("beginLook: the host's snapshot starts at once (the scan of the processes only when asked); lookOnce given it reads the host no more", async () => {
  const runs = hostOnlyRuns();
  assert.equal(runs.length, 1);
  const { run, calls } = hostRunner();
  const begun = beginLook(run, false);
  assert.deepEqual(calls.map((c) => c.argv.join(" ")), [HOST_READ]);
  const look = await lookOnce(run, runs, undefined, begun);
  assert.deepEqual(calls.map((c) => c.argv.join(" ")), [HOST_READ]);
  assert.equal(look.ip, begun.ip);
  assert.deepEqual([look.depth, look.live, [...look.processes]], ["deep", [], []]);
  await begun.settled;

  const scanned = hostRunner();
  await beginLook(scanned.run, true).settled;
  assert.deepEqual(scanned.calls.map((c) => c.argv.join(" ")), [HOST_READ, "lsns -J -t net -o NS,NPROCS"]);
});

Deno.test("lookOnce without a begun look reads the host itself, once; with no run to check it reads nothing", async () => {
  const { run, calls } = hostRunner();
  await lookOnce(run, hostOnlyRuns(), "quick");
  assert.deepEqual(calls.map((c) => c.argv.join(" ")), [HOST_READ]);
  const none = hostRunner();
  const look = await lookOnce(none.run, [], "quick");
  assert.deepEqual([none.calls.length, look.depth], [0, "quick"]);
});

/** Open runs whose steps made namespace `name`, recording it with this inode. */
function netnsRuns(made: Record<string, number>) {
  const records = Object.entries(made).flatMap(([name, ino], i) => {
    const run = `r${i}`;
    return [
      {
        v: 1,
        at: AT,
        kind: "run-begin",
        run,
        recipe: "netns",
        label: name,
        params: {},
        uses: [],
        steps: [{ kind: "netns-add", netns: name }],
        bootId: "b1",
        pid: 42,
      },
      { v: 1, at: AT, kind: "step-intent", run, index: 0 },
      {
        v: 1,
        at: AT,
        kind: "step-done",
        run,
        index: 0,
        identities: { [`netns:${name}`]: { type: "netns", dev: 4, ino, mtimeMs: 1000 } },
      },
      { v: 1, at: AT, kind: "run-end", run, state: "applied" },
    ];
  });
  return foldRuns(parseJournal(records.map((r) => JSON.stringify(r)).join("\n") + "\n")).runs;
}

Deno.test("replacedNetns: a live name whose namespace is another inode (or device) than its run recorded; the same one, or one not live, is not", () => {
  const runs = netnsRuns({ same: 4026532301, again: 4026532302, other: 4026532303, gone: 4026532304 });
  const now = (ino: number, dev = 4) => ({ type: "netns" as const, dev, ino, mtimeMs: 1000 });
  const live = new Map([
    ["same", now(4026532301)],
    ["again", now(4026532999)],
    ["other", now(4026532303, 5)],
    ["unread", undefined],
  ]);
  assert.deepEqual(replacedNetns(runs, live).sort(), ["again", "other"]);
  assert.deepEqual(replacedNetns(runs, new Map()), []);
});

Deno.test("Unread: names the read not made, is told apart by instanceof, and carries no stack trace", () => {
  const e = new Unread(["ip", "-n", "web", "-json", "addr", "show"]);
  assert.ok(e instanceof Unread && e instanceof Error);
  assert.deepEqual([e.name, e.message, e.argv], [
    "Unread",
    "not read in this look: ip -n web -json addr show",
    ["ip", "-n", "web", "-json", "addr", "show"],
  ]);
  assert.equal(e.stack, "Unread: not read in this look: ip -n web -json addr show");
  assert.ok((new Error("x").stack ?? "").includes("\n    at "), "other errors keep theirs");
});

/** Entry reads answering from a table the test changes, counting each read by name. */
function entryTable(entries: Record<string, { state: "absent" | "live" | "stale"; ino?: number }>) {
  const reads: string[] = [];
  return {
    reads,
    entries,
    fake: {
      state(name: string) {
        reads.push(`state ${name}`);
        return entries[name]?.state ?? "absent";
      },
      identity(name: string) {
        reads.push(`identity ${name}`);
        const e = entries[name];
        return e?.state === "live" && e.ino !== undefined
          ? { type: "netns" as const, dev: 4, ino: e.ino, mtimeMs: 1000 }
          : undefined;
      },
    },
  };
}

Deno.test("LookIpReader: each /run/netns entry's state and identity are read once per name and answered as read then; a read that threw is read again", () => {
  const t = entryTable({ web: { state: "live", ino: 7 } });
  const ip = new LookIpReader(hostRunner().run, t.fake);
  assert.equal(ip.netnsEntryState("web"), "live");
  assert.deepEqual(ip.netnsIdentity("web"), { type: "netns", dev: 4, ino: 7, mtimeMs: 1000 });
  // Deleted and made again after the look's first read: the look still answers what it read.
  t.entries.web = { state: "live", ino: 8 };
  t.entries.gone = { state: "stale" };
  assert.equal(ip.netnsEntryState("web"), "live");
  assert.equal(ip.netnsIdentity("web")?.ino, 7);
  assert.equal(ip.netnsEntryState("gone"), "stale");
  assert.equal(ip.netnsIdentity("gone"), undefined);
  assert.equal(ip.netnsIdentity("gone"), undefined);
  assert.deepEqual(t.reads, ["state web", "identity web", "state gone", "identity gone"]);

  let fail = true;
  const flaky = new LookIpReader(hostRunner().run, {
    state: () => {
      if (fail) throw new Deno.errors.PermissionDenied("no read access to /run/netns");
      return "absent";
    },
    identity: () => undefined,
  });
  assert.throws(() => flaky.netnsEntryState("web"), Deno.errors.PermissionDenied);
  fail = false;
  assert.equal(flaky.netnsEntryState("web"), "absent");
});

Deno.test("status's checks ask the look for /run/netns entries: locate, netns-add's check and lookOnce answer from its one read of each name", async () => {
  const runs = netnsRuns({ web: 11, db: 12 });
  const t = entryTable({ web: { state: "live", ino: 11 }, db: { state: "live", ino: 99 } });
  const begun = beginLook(hostRunner().run, false);
  const look = await lookOnce(hostRunner().run, runs, "quick", { ...begun, ip: new LookIpReader(begun.run, t.fake) });
  // db is another namespace than its run made (inode 99, recorded 12): read inside all the same.
  assert.deepEqual([look.live, [...look.inside]], [["web", "db"], ["db"]]);
  assert.deepEqual(t.reads, ["state web", "state db", "identity web", "identity db"]);
  // Both deleted since: the look answers as it read them, and reads nothing more.
  t.entries.web = { state: "absent" };
  t.entries.db = { state: "absent" };
  const where = await locate(look.ip, ["netns:web", "netns:db"], { ...runs[0].identities, ...runs[1].identities });
  assert.deepEqual([...where.values()].map((w) => w.state), ["same", "replaced"]);
  const ctx = { run: look.run, ip: look.ip, hostNetnsPath: "/proc/self/ns/net" };
  const add = kindOf(runs[0].steps[0]);
  assert.equal(await add.verify(runs[0].steps[0], ctx), undefined);
  assert.equal(await add.isReverted(runs[0].steps[0], ctx, undefined), false);
  assert.deepEqual(t.reads, ["state web", "state db", "identity web", "identity db"]);
  await begun.settled;
});

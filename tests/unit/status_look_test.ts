import assert from "node:assert/strict";
import { beginLook, DEEP_UP_TO, depthFor, lookOnce, replacedNetns } from "../../src/cli/status_look.ts";
import { Unread } from "../../src/engine/mod.ts";
import { recordingRunner } from "../../src/exec/mod.ts";
import { foldRuns } from "../../src/journal/mod.ts";
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

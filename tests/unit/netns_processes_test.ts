import assert from "node:assert/strict";
import { recordingRunner } from "../../src/exec/mod.ts";
import { lsnsProcessCounts, netnsProcessCounts } from "../../src/host/mod.ts";

const INODES: Record<string, number> = { web: 4026532301, db: 4026532302, idle: 4026532303 };
const inodeOf = (name: string) => INODES[name];

Deno.test("netnsProcessCounts: one lsns scan counts every namespace's processes by inode; one lsns does not list holds none", async () => {
  const lsns = {
    namespaces: [
      { ns: 4026531840, nprocs: 120 },
      { ns: 4026532301, nprocs: 2 },
      { ns: "4026532302", nprocs: "1" }, // older util-linux prints numbers as strings
    ],
  };
  const { run, calls } = recordingRunner(() => ({ stdout: JSON.stringify(lsns) }));
  const counts = await netnsProcessCounts(run, ["web", "db", "idle", "gone", "web"], inodeOf);
  assert.deepEqual([...counts], [["web", 2], ["db", 1], ["idle", 0]]);
  assert.deepEqual(calls.map((c) => c.argv.join(" ")), ["lsns -J -t net -o NS,NPROCS"]);
});

Deno.test("netnsProcessCounts: without a working lsns, each namespace is asked with 'ip netns pids'", async () => {
  for (const lsnsCode of [-1, 1]) {
    const { run, calls } = recordingRunner((argv) => {
      if (argv[0] === "lsns") return { code: lsnsCode, stderr: "lsns: failed" };
      return { stdout: argv[3] === "web" ? "101\n102\n103\n" : "" };
    });
    const counts = await netnsProcessCounts(run, ["web", "idle"], inodeOf);
    assert.deepEqual([...counts], [["web", 3], ["idle", 0]], `lsns exit ${lsnsCode}`);
    assert.deepEqual(calls.map((c) => c.argv.join(" ")), [
      ...Array(lsnsCode === -1 ? 1 : 2).fill("lsns -J -t net -o NS,NPROCS"),
      "ip netns pids web",
      "ip netns pids idle",
    ], `lsns exit ${lsnsCode}: a failed scan is tried once more, one that cannot start is not`);
  }
});

Deno.test("lsnsProcessCounts: a scan that fails once (a process ended under it) is taken again, and counts", async () => {
  let scans = 0;
  const { run, calls } = recordingRunner(() =>
    ++scans === 1
      ? { code: 1, stderr: "lsns: failed to read /proc/4242/ns/net: No such file or directory" }
      : { stdout: JSON.stringify({ namespaces: [{ ns: 4026532301, nprocs: 2 }] }) }
  );
  assert.deepEqual([...(await lsnsProcessCounts(run))!], [[4026532301, 2]]);
  assert.equal(calls.length, 2);
});

Deno.test("netnsProcessCounts: no live namespace among the names, no process started", async () => {
  const { run, calls } = recordingRunner(() => ({ stdout: "" }));
  assert.deepEqual([...await netnsProcessCounts(run, ["gone"], inodeOf)], []);
  assert.equal(calls.length, 0);
});

Deno.test("lsnsProcessCounts: the processes by namespace inode from one lsns; undefined when lsns fails", async () => {
  const listed = { namespaces: [{ ns: 4026531840, nprocs: 120 }, { ns: "4026532301", nprocs: "2" }] };
  const ok = recordingRunner(() => ({ stdout: JSON.stringify(listed) }));
  assert.deepEqual([...(await lsnsProcessCounts(ok.run))!], [[4026531840, 120], [4026532301, 2]]);
  const failed = recordingRunner(() => ({ code: 1, stderr: "lsns: failed" }));
  assert.equal(await lsnsProcessCounts(failed.run), undefined);
});

Deno.test("netnsProcessCounts: a scan already started is used, no lsns of its own; a failed one falls back to 'ip netns pids'", async () => {
  const { run, calls } = recordingRunner((argv) => ({ stdout: argv[3] === "web" ? "101\n" : "" }));
  const scan = Promise.resolve(new Map([[4026532301, 2]]));
  assert.deepEqual([...await netnsProcessCounts(run, ["web", "db"], inodeOf, scan)], [["web", 2], ["db", 0]]);
  assert.equal(calls.length, 0);
  const counts = await netnsProcessCounts(run, ["web", "db"], inodeOf, Promise.resolve(undefined));
  assert.deepEqual([...counts], [["web", 1], ["db", 0]]);
  assert.deepEqual(calls.map((c) => c.argv.join(" ")), ["ip netns pids web", "ip netns pids db"]);
});

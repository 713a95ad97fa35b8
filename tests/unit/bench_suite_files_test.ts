import assert from "node:assert/strict";
import { bounds, childrenCpu, fileTimesFromReport, longestFirst, reportDuration } from "../../bench/suite_files.ts";

Deno.test("childrenCpu reads cutime + cstime (fields 16 and 17) after the command name, spaces and ')' in it included", () => {
  // Fields 1..17 of proc(5): pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime.
  const stat = "4242 (deno (x) y) S 1 4242 4242 0 -1 4194560 100 200 0 0 7 3 1234 566 20 0 9 0";
  assert.equal(childrenCpu(stat), 18);
  assert.equal(childrenCpu(stat, 1000), 1.8);
});

Deno.test("bounds: the longest wall time, and the total CPU time shared by the cores", () => {
  const times = [
    { entry: "a", wall: 50, cpu: 30, result: "ok" },
    { entry: "b", wall: 20, cpu: 90, result: "ok" },
  ];
  assert.deepEqual(bounds(times, 2), { longest: 50, cpuShare: 60 });
  assert.deepEqual(bounds(times, 3), { longest: 50, cpuShare: 40 });
  assert.deepEqual(bounds([], 2), { longest: 0, cpuShare: 0 });
});

Deno.test("longestFirst: files by wall time, longest first, ties in path order, folders left out", () => {
  const times = [
    { entry: "tests/e2e/b_test.ts", wall: 10, cpu: 9, result: "ok" },
    { entry: "tests/unit/", wall: 50, cpu: 15, result: "ok" },
    { entry: "tests/e2e/c_test.ts", wall: 40, cpu: 2, result: "ok" },
    { entry: "tests/e2e/a_test.ts", wall: 10, cpu: 1, result: "ok" },
  ];
  assert.deepEqual(longestFirst(times), ["tests/e2e/c_test.ts", "tests/e2e/a_test.ts", "tests/e2e/b_test.ts"]);
});

Deno.test("tests/longest_first.txt (deno task test starts its files first) names existing end-to-end test files, each once", async () => {
  const listed = (await Deno.readTextFile("tests/longest_first.txt")).split("\n").filter((l) => l !== "");
  assert.ok(listed.length > 0);
  assert.equal(new Set(listed).size, listed.length, "no file twice");
  for (const f of listed) {
    assert.match(f, /^tests\/e2e\/(faults\/)?[a-z0-9_]+_test\.ts$/);
    assert.ok((await Deno.stat(f)).isFile, f);
  }
  const task = JSON.parse(await Deno.readTextFile("deno.json")).tasks.test as string;
  assert.match(
    task,
    /--no-check --parallel tests\/unit\/type_check_test\.ts \$\(cat tests\/longest_first\.txt\) tests\/$/,
  );
});

Deno.test("reportDuration reads deno test's times: minutes and seconds, ms, µs", () => {
  assert.equal(reportDuration("1m8s"), 68);
  assert.equal(reportDuration("3s"), 3);
  assert.equal(reportDuration("2m"), 120);
  assert.equal(reportDuration("934ms"), 0.934);
  assert.equal(reportDuration("81µs"), 0.000081);
  assert.equal(reportDuration("soon"), undefined);
  assert.equal(reportDuration(""), undefined);
});

Deno.test("fileTimesFromReport sums each file's tests, leaves out their steps and other lines, colours removed", () => {
  const report = [
    "Task test DENO_JOBS=8 deno test -q -A --no-prompt --parallel tests/",
    "./tests/e2e/a_test.ts => first ... ok (1m2s)",
    "./tests/e2e/faults/k_test.ts => loop ... kill@after-intent:0 (x ... y) ... ok (3s)",
    "./tests/e2e/b_test.ts => \x1b[32mone\x1b[0m ... \x1b[32mok\x1b[0m (500ms)",
    "./tests/e2e/a_test.ts => second ... FAILED (4s)",
    "./tests/e2e/faults/k_test.ts => loop ... ok (20s)",
    "ok | 4 passed (1 step) | 0 failed (1m9s)",
  ].join("\n");
  assert.deepEqual([...fileTimesFromReport(report)], [
    ["tests/e2e/a_test.ts", 66],
    ["tests/e2e/b_test.ts", 0.5],
    ["tests/e2e/faults/k_test.ts", 20],
  ]);
});

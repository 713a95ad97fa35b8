import assert from "node:assert/strict";
import { bounds, childrenCpu } from "../../bench/suite_files.ts";

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

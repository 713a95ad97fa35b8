import assert from "node:assert/strict";
import { childCpuMs, lostProbes, median, table } from "../../bench/stats.ts";

Deno.test("median: the middle value of an odd count, the mean of the two middle ones of an even count", () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.throws(() => median([]), RangeError);
});

Deno.test("lostProbes: transmitted minus received from ping's summary", () => {
  const summary = "--- 198.51.100.1 ping statistics ---\n412 packets transmitted, 409 received, 0.7% packet loss\n";
  assert.equal(lostProbes(summary), 3);
  assert.throws(() => lostProbes("ping: unknown host"), /no ping summary/);
});

Deno.test("table: a ratio over what the issue requires is marked, one within it is not", () => {
  const text = table([
    { measure: "slow", a: 700, b: 100, ratio: 7, must: 2, aim: 1.3 },
    { measure: "fast", a: 150, b: 100, ratio: 1.5, must: 2, aim: 1.3 },
    { measure: "outage", lost: [1, 0] },
  ]);
  assert.match(text, /\| slow \| 700 ms \| 100 ms \| 7\.00× ✗ \|/);
  assert.match(text, /\| fast \| 150 ms \| 100 ms \| 1\.50× \|/);
  assert.match(text, /\| outage \| 1, 0 lost \|/);
});

Deno.test("table: a row held to a time beyond its yardstick shows the difference and marks it when not under", () => {
  const rows = [
    { measure: "1,000 routes vs 1", a: 1400, b: 1000, ratio: 1.4, beyondMust: 1000 },
    { measure: "slow", a: 2600, b: 1000, ratio: 2.6, beyondMust: 1000 },
  ];
  assert.deepEqual(table(rows).split("\n").slice(2), [
    "| 1,000 routes vs 1 | 1400 ms | 1000 ms | 1.40× (+400 ms) | < +1000 ms | |",
    "| slow | 2600 ms | 1000 ms | 2.60× (+1600 ms ✗) | < +1000 ms | |",
  ]);
});

Deno.test("childCpuMs: the children's user plus system time from bash's times; a CPU row shows both sides and no target", () => {
  assert.equal(childCpuMs("0m0.004s 0m0.002s\n0m0.081s 0m0.030s\n"), 111);
  assert.equal(childCpuMs("0m0.000s 0m0.000s\n1m2.500s 0m0.250s"), 62_750);
  assert.throws(() => childCpuMs("bash: times: not found"), /not the output of bash's times/);
  assert.deepEqual(
    table([{ measure: "`status` vs hello", cpuA: 77.4, cpuB: 13.6, ratio: 5.69 }]).split("\n").slice(2),
    [
      "| `status` vs hello | 77 ms CPU | 14 ms CPU | 5.69× | | |",
    ],
  );
});

Deno.test("table: a floor row shows the lower bound, its yardstick and their ratio, marked as a floor, with no target", () => {
  assert.deepEqual(
    table([{ measure: "floor of run + undo vs bash", floor: 191.6, b: 93.2, ratio: 2.05 }]).split("\n").slice(2),
    ["| floor of run + undo vs bash | 192 ms (floor) | 93 ms | 2.05× | | |"],
  );
});

Deno.test("table: a per-item row shows the measured side per item, its yardstick and their ratio, with no target", () => {
  assert.deepEqual(
    table([{ measure: "undo --all, per run, vs undo of one", each: 4455 / 50, b: 356.4 }]).split("\n").slice(2),
    ["| undo --all, per run, vs undo of one | 89 ms | 356 ms | 0.25× | | |"],
  );
});

import assert from "node:assert/strict";
import { objectsOf } from "../../src/cli/status.ts";
import type { RunStatus } from "../../src/cli/status_model.ts";
import { humanAge, quickNote, stateOf, statusDetails, statusTable, table } from "../../src/cli/status_view.ts";

function run(over: Partial<RunStatus>): RunStatus {
  return {
    run: "20261130T100000-aaaa",
    recipe: "veth-bridge",
    label: "web",
    state: "applied",
    shown: "applied",
    stale: false,
    startedAt: "2026-11-30T10:00:00.000Z",
    netns: "web",
    addresses: ["10.200.0.2/24"],
    bridge: { name: "br0", addresses: ["10.200.0.1/24"] },
    processes: 2,
    owns: ["netns:web", "link:veth-web", "link:br0"],
    changes: [],
    uses: [],
    steps: [{ index: 0, step: 1, summary: "create network namespace 'web'", state: "done" }],
    drift: [],
    look: "deep",
    unchecked: [],
    notes: [],
    ...over,
  };
}

Deno.test("humanAge reads as an admin would say it", () => {
  assert.equal(humanAge(12_400), "12 s");
  assert.equal(humanAge(3 * 60_000 + 5_000), "3 min");
  assert.equal(humanAge(2 * 3600_000 + 5 * 60_000), "2 h 5 min");
  assert.equal(humanAge(3600_000), "1 h");
  assert.equal(humanAge(4 * 86400_000 + 3 * 3600_000), "4 d 3 h");
  assert.equal(humanAge(-5), "0 s");
});

Deno.test("stateOf: interrupted, from before reboot, undo incomplete, drift, applied", () => {
  assert.equal(stateOf({ state: "applying", stale: false, drift: [] }), "interrupted");
  assert.equal(stateOf({ state: "applied", stale: true, drift: ["x"] }), "from before reboot");
  assert.equal(stateOf({ state: "applied", stale: false, elsewhere: true, drift: [] }), "in another network namespace");
  assert.equal(stateOf({ state: "incomplete", stale: false, drift: [] }), "undo incomplete");
  assert.equal(stateOf({ state: "applied", stale: false, drift: ["x"] }), "drift");
  assert.equal(stateOf({ state: "applied", stale: false, drift: [] }), "applied");
});

Deno.test("stateOf: steps left unchecked (the quick look) never read as 'applied'; drift and journal states still win", () => {
  const unchecked = ["add address 10.200.0.2/24 to 'eth0' in 'web'"];
  assert.equal(stateOf({ state: "applied", stale: false, drift: [], unchecked }), "applied (partly checked)");
  assert.equal(stateOf({ state: "applied", stale: false, drift: ["x"], unchecked }), "drift");
  assert.equal(stateOf({ state: "applying", stale: false, drift: [], unchecked }), "interrupted");
  assert.equal(stateOf({ state: "incomplete", stale: false, drift: [], unchecked }), "undo incomplete");
  assert.equal(stateOf({ state: "applied", stale: false, drift: [], unchecked: [] }), "applied");
});

Deno.test("quick look: the table row says 'applied (partly checked)', details list what was unchecked, the note says why and what checks all", () => {
  const quick = run({
    look: "quick",
    unchecked: ["bring link 'eth0' up in 'web'", "links put in 'web' outside nsrecipe"],
  });
  const [, row] = statusTable([quick], Date.parse("2026-11-30T10:03:10.000Z"));
  assert.equal(row, "web   veth-bridge  applied (partly checked)  10.200.0.2/24  br0 10.200.0.1/24  3 min  2");
  const lines = statusDetails(quick, Date.parse("2026-11-30T10:00:30.000Z"));
  assert.ok(lines.includes("  state:      applied (partly checked)"), lines.join("\n"));
  assert.deepEqual(lines.filter((l) => l.startsWith("  unchecked:")), [
    "  unchecked:  bring link 'eth0' up in 'web'",
    "  unchecked:  links put in 'web' outside nsrecipe",
  ]);
  assert.match(quickNote(50, false, 8), /^quick look \(50 namespaces, more than 8\): /);
  assert.match(
    quickNote(2, true, 8),
    /^quick look \(--quick\): .*'nsrecipe status --deep' or 'nsrecipe status NAME' checks every step$/,
  );
});

Deno.test("table aligns every column under its header, two spaces apart", () => {
  assert.deepEqual(table(["A", "BB", "C"], [["xxx", "y", "z"], ["x", "yyy", ""]]), [
    "A    BB   C",
    "xxx  y    z",
    "x    yyy",
  ]);
});

Deno.test("statusTable: header, one aligned row per run, '-' where a column does not apply", () => {
  const now = Date.parse("2026-11-30T10:03:10.000Z");
  const lines = statusTable([
    run({}),
    run({
      label: "p",
      recipe: "netns",
      netns: "p",
      addresses: [],
      bridge: undefined,
      processes: undefined,
      drift: ["x"],
    }),
  ], now);
  assert.deepEqual(lines, [
    "NAME  RECIPE       STATE    ADDRESS        BRIDGE             AGE    PROCESSES",
    "web   veth-bridge  applied  10.200.0.2/24  br0 10.200.0.1/24  3 min  2",
    "p     netns        drift    -              -                  3 min  -",
  ]);
});

Deno.test("statusDetails: owns, changes and uses apart; handed-over steps say where they came from", () => {
  const lines = statusDetails(
    run({
      changes: ["link:eth0"],
      steps: [
        { index: 4, step: 5, summary: "create bridge 'br0' (STP off)", state: "done", from: "R0", fromLabel: "v1" },
        { index: 0, step: 1, summary: "create network namespace 'web'", state: "done" },
      ],
      drift: ["bring link 'lo' up in 'web': lo is down"],
    }),
    Date.parse("2026-11-30T10:00:30.000Z"),
  );
  assert.equal(lines[0], "Run 20261130T100000-aaaa: veth-bridge web");
  assert.ok(lines.includes("  namespace:  web, addresses 10.200.0.2/24, 2 processes inside"), lines.join("\n"));
  assert.ok(lines.some((l) => l.startsWith("  changes:    link:eth0   (existing objects")));
  assert.ok(
    lines.some((l) => l.endsWith("   (made by this run or handed over to it; undo removes them)")),
    lines.join("\n"),
  );
  assert.ok(lines.includes("     -  create bridge 'br0' (STP off)  [done, handed over from run R0 (v1, undone)]"));
  assert.ok(lines.includes("     1. create network namespace 'web'  [done]"));
  assert.ok(lines.includes("  drift:      bring link 'lo' up in 'web': lo is down"));
  const own = statusDetails(
    run({ steps: [{ index: 0, step: 1, summary: "create network namespace 'web'", state: "done" }] }),
    Date.parse("2026-11-30T10:00:30.000Z"),
  );
  assert.ok(own.some((l) => l.endsWith("   (made by this run; undo removes them)")), own.join("\n"));
});

Deno.test("objectsOf: made objects are owned, others changed, the rest used; no object in two lists", () => {
  const o = objectsOf(
    [
      { kind: "netns-add", netns: "lan" },
      { kind: "bridge-add", dev: "br0" } as never,
      { kind: "link-set-master", dev: "eth0", master: "br0" },
      { kind: "addr-add", dev: "br0", addr: "198.51.100.10/24" } as never,
      { kind: "sysctl-set", key: "net.ipv4.ip_forward", value: "1" } as never,
    ],
    ["link:br0", "link:eth0", "link:wan"],
  );
  assert.deepEqual(o, {
    owns: ["netns:lan", "link:br0"],
    changes: ["link:eth0", "sysctl:net.ipv4.ip_forward"],
    uses: ["link:wan"],
  });
});

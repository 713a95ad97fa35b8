import assert from "node:assert/strict";
import { parseJournal } from "../../src/journal/mod.ts";

const AT = "2026-11-29T06:33:00.000Z";
const begin = (run: string, steps: unknown[] = [{ kind: "netns-add", netns: "web" }], extra = {}) =>
  JSON.stringify({
    v: 1,
    at: AT,
    kind: "run-begin",
    run,
    recipe: "netns",
    label: "web",
    params: { name: "web" },
    uses: [],
    steps,
    bootId: "b1",
    pid: 42,
    ...extra,
  });
const rec = (kind: string, run: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ v: 1, at: AT, kind, run, ...extra });
const lines = (...l: string[]) => l.join("\n") + "\n";

Deno.test("parseJournal: an empty file and a file of blank lines give no records and no problems", async () => {
  assert.deepEqual(await parseJournal(""), { records: [], lines: [], problems: [] });
  assert.deepEqual(await parseJournal("\n\n  \n"), { records: [], lines: [], problems: [] });
});

Deno.test("parseJournal: well-formed records are returned in order with their line numbers", async () => {
  const text = lines(begin("r1"), "", rec("step-intent", "r1", { index: 0 }), rec("step-done", "r1", { index: 0 }));
  const p = await parseJournal(text);
  assert.deepEqual(p.problems, []);
  assert.deepEqual(p.records.map((r) => r.kind), ["run-begin", "step-intent", "step-done"]);
  assert.deepEqual(p.lines, [1, 3, 4]);
});

Deno.test("parseJournal: CRLF line ends are read like LF", async () => {
  const p = await parseJournal(begin("r1") + "\r\n" + rec("run-end", "r1", { state: "applied" }) + "\r\n");
  assert.deepEqual(p.problems, []);
  assert.equal(p.records.length, 2);
});

Deno.test("parseJournal: a torn last line (no newline) is reported as torn with its run, and every earlier record is kept", async () => {
  const full = rec("step-done", "r1", { index: 0 });
  const p = await parseJournal(lines(begin("r1"), rec("step-intent", "r1", { index: 0 })) + full.slice(0, -8));
  assert.equal(p.records.length, 2);
  assert.equal(p.problems.length, 1);
  assert.equal(p.problems[0].kind, "torn");
  assert.equal(p.problems[0].line, 3);
  assert.equal(p.problems[0].run, "r1");
  assert.match(p.problems[0].message, /^Line 3 is an incomplete record .*ignored/);
});

Deno.test("parseJournal: a complete-looking last record without its newline is still torn (the write did not finish)", async () => {
  const p = await parseJournal(lines(begin("r1")) + rec("run-end", "r1", { state: "applied" }));
  assert.equal(p.records.length, 1);
  assert.equal(p.problems[0].kind, "torn");
});

Deno.test("parseJournal: a garbled line in the middle is reported with its line number and run id; the lines after it are read", async () => {
  const p = await parseJournal(lines(begin("r1"), '{"v":1,"kind":"step-done","run":"r1","index":0,,,', begin("r2")));
  assert.deepEqual(p.records.map((r) => r.run), ["r1", "r2"]);
  assert.deepEqual(p.problems, [{ line: 2, kind: "garbled", run: "r1", message: "Line 2 is not valid JSON" }]);
});

Deno.test("parseJournal: a garbled line without a readable run id is reported without one", async () => {
  const p = await parseJournal(lines(begin("r1"), "\u0000\u0000garbage\u0000"));
  assert.equal(p.problems[0].kind, "garbled");
  assert.equal(p.problems[0].run, undefined);
});

Deno.test("parseJournal: JSON that is not a record object (number, null, array, string, no v) is garbled", async () => {
  for (const bad of ["42", "null", "[]", '"run"', '{"kind":"run-end","run":"r1","state":"applied"}']) {
    const p = await parseJournal(lines(bad));
    assert.equal(p.records.length, 0, bad);
    assert.equal(p.problems[0].kind, "garbled", bad);
    assert.match(p.problems[0].message, /Line 1 is not a journal record/, bad);
  }
});

Deno.test("parseJournal: a record of a newer schema version is reported as such, tied to its run, and not returned", async () => {
  const p = await parseJournal(
    lines(begin("r1"), JSON.stringify({ v: 2, at: AT, kind: "step-frobbed", run: "r1", x: 1 })),
  );
  assert.equal(p.records.length, 1);
  assert.equal(p.problems[0].kind, "newer-version");
  assert.equal(p.problems[0].run, "r1");
  assert.match(p.problems[0].message, /written by a newer nsrecipe \(record version 2, this build reads 1\)/);
});

Deno.test("parseJournal: valid JSON missing or mistyping a field undo relies on is garbled, naming the field", async () => {
  const cases: [string, RegExp][] = [
    [rec("step-intent", "r1"), /malformed "step-intent" record \(index: /],
    [rec("step-done", "r1", { index: -1 }), /index/],
    [rec("step-done", "r1", { index: "0" }), /index/],
    [rec("step-undone", "r1", { index: 0, how: "vanished" }), /how/],
    [rec("step-undone", "r1", { index: 0, how: "handed-over" }), /to: a handed-over step must name the run/],
    [rec("run-end", "r1", { state: "exploded" }), /state/],
    [rec("step-exploded", "r1", { index: 0 }), /malformed "step-exploded" record/],
    [begin("r1", [{ kind: "netns-add" }]), /steps\.0\.netns/],
    [begin("r1", [{ kind: "netns-add", netns: "a;touch /tmp/x" }]), /steps\.0\.netns: not a name nsrecipe writes/],
    [begin("r1", [{ kind: "netns-add", netns: "-x" }]), /steps\.0\.netns/],
    [begin("r1", [{ kind: "netns-add", netns: "../etc" }]), /steps\.0\.netns/],
    [begin("r1", [{ kind: "link-set-up", dev: "lo", netns: 7 }]), /steps\.0\.netns/],
    [begin("r1", [{ kind: "teleport", to: "mars" }]), /unknown step kind 'teleport'/],
    [begin("r1", undefined, { pid: "42" }), /pid/],
    [JSON.stringify({ v: 0, at: AT, kind: "run-end", run: "r1", state: "applied" }), /v: /],
    [rec("run-end", "r 1", { state: "applied" }), /run: /],
  ];
  for (const [line, pattern] of cases) {
    const p = await parseJournal(lines(line));
    assert.equal(p.records.length, 0, line);
    assert.equal(p.problems.length, 1, line);
    assert.equal(p.problems[0].kind, "garbled", line);
    assert.match(p.problems[0].message, pattern, `${line}\n${p.problems[0].message}`);
  }
});

Deno.test("parseJournal: fields this version does not know are kept (a compatible addition does not make a journal unreadable)", async () => {
  const p = await parseJournal(
    lines(begin("r1", [{ kind: "netns-add", netns: "web", colour: "blue" }], { host: "h1" })),
  );
  assert.deepEqual(p.problems, []);
  assert.equal(p.records.length, 1);
});

Deno.test("parseJournal: every step kind nsrecipe writes is accepted in its full form", async () => {
  const steps = [
    { kind: "netns-add", netns: "web" },
    { kind: "link-set-up", dev: "lo", netns: "web" },
    { kind: "veth-add", dev: "veth-web", peer: "veth-web-p", mtu: 1500 },
    { kind: "link-set-netns", dev: "veth-web-p", netns: "web", newName: "eth0" },
    { kind: "bridge-add", dev: "br0", mac: "02:00:00:00:10:10", mtu: 1500 },
    { kind: "link-set-master", dev: "veth-web", master: "br0" },
    { kind: "addr-add", dev: "eth0", netns: "web", addr: { family: "inet", local: "10.0.0.2", prefixlen: 24 } },
    { kind: "addr-del", dev: "eth0", addr: { family: "inet6", local: "2001:db8::1", prefixlen: 64, nodad: true } },
    { kind: "route-add", netns: "web", route: { family: 4, dst: "default", via: "10.0.0.1", dev: "eth0" } },
    { kind: "route-del", route: { family: 6, dst: "2001:db8::/64", metric: 1024 } },
    { kind: "sysctl-set", key: "net.ipv4.ip_forward", value: "1" },
  ];
  const p = await parseJournal(lines(begin("r1", steps)));
  assert.deepEqual(p.problems, []);
});

Deno.test("parseJournal: a text that continues the last one parsed gives exactly what parsing it whole gives (records, line numbers, problems)", async () => {
  const first = lines(begin("r1"), "", rec("step-intent", "r1", { index: 0 }));
  // Garbled, of a newer version, blank, and a torn last line: each numbered as in the whole file.
  const more = lines(
    rec("step-done", "r1", { index: 0 }),
    "{not json",
    "",
    JSON.stringify({ v: 99, at: AT, kind: "run-end", run: "r2" }),
    rec("run-end", "r1", { state: "applied" }),
  ) + '{"v":1,"kind":"step-in';
  const a = await parseJournal(first);
  const continued = await parseJournal(first + more);
  // A text with other content than the last is parsed afresh: parse something else, then the whole again.
  await parseJournal(lines(begin("other")));
  const whole = await parseJournal(first + more);
  assert.deepEqual(continued, whole);
  assert.deepEqual(a.lines, [1, 3]);
  assert.deepEqual(whole.lines, [1, 3, 4, 8]);
  assert.deepEqual(whole.problems.map((p) => [p.line, p.kind]), [[5, "garbled"], [7, "newer-version"], [9, "torn"]]);
  // The torn line completed later is read as a record: a text ending in a torn line is not kept as a prefix.
  const completed = await parseJournal(first + more + 'tent","run":"r1","at":"","index":1}\n');
  assert.deepEqual(completed.problems.map((p) => [p.line, p.kind]), [[5, "garbled"], [7, "newer-version"]]);
  assert.deepEqual(completed.lines, [1, 3, 4, 8, 9]);
});

Deno.test("parseJournal: a shorter or different text than the last is not answered from it", async () => {
  const one = lines(begin("r1"));
  const two = one + lines(rec("run-end", "r1", { state: "applied" }));
  assert.equal((await parseJournal(two)).records.length, 2);
  assert.deepEqual((await parseJournal(one)).records.map((r) => r.kind), ["run-begin"]);
  assert.deepEqual((await parseJournal(lines(begin("r9")))).records.map((r) => r.run), ["r9"]);
});

import assert from "node:assert/strict";
import { parseJournal } from "../support/journal_text.ts";
import { type Step, stepIssues } from "../../src/steps/mod.ts";

const FIXTURE = new URL("../fixtures/journal_0.1.0.jsonl", import.meta.url);

Deno.test("a journal written by nsrecipe 0.1.0 (netns, veth-bridge --nat, full-migrate, undo --all) parses whole", async () => {
  const text = await Deno.readTextFile(FIXTURE);
  const p = parseJournal(text);
  assert.deepEqual(p.problems, []);
  assert.equal(p.records.length, 135);
  const begins = p.records.filter((r) => r.kind === "run-begin");
  assert.deepEqual(begins.map((r) => r.recipe), ["netns", "veth-bridge", "full-migrate"]);
  const kinds = new Set(begins.flatMap((r) => r.steps.map((s: Step) => s.kind)));
  assert.deepEqual([...kinds].sort(), [
    "addr-add",
    "addr-del",
    "bridge-add",
    "link-set-master",
    "link-set-netns",
    "link-set-up",
    "nat-add",
    "netns-add",
    "route-add",
    "route-del",
    "sysctl-set",
    "veth-add",
  ]);
  assert.deepEqual(p.records.filter((r) => r.kind === "run-end").map((r) => r.state), [
    "applied",
    "applied",
    "applied",
    "undone",
    "undone",
    "undone",
  ]);
});

Deno.test("every step of the 0.1.0 journal passes its kind's own schema, and a changed field is caught", async () => {
  const steps = parseJournal(await Deno.readTextFile(FIXTURE)).records.flatMap((r) =>
    r.kind === "run-begin" ? r.steps : []
  );
  assert.equal(steps.length, 42);
  for (const s of steps) assert.deepEqual(stepIssues(s), [], JSON.stringify(s));
  const addrAdd = steps.find((s) => s.kind === "addr-add");
  assert.ok(addrAdd?.kind === "addr-add");
  const changed = { ...addrAdd, addr: { ...addrAdd.addr, prefixlen: 129 } };
  assert.deepEqual(stepIssues(changed).map((i) => i.path.join(".")), ["addr.prefixlen"]);
});

Deno.test("stepIssues refuses what nsrecipe never writes: a link name over 15 bytes, an option-like sysctl key, a bad metric, a table name with '-'", () => {
  const cases: [Record<string, unknown> & { kind: string }, string][] = [
    [{ kind: "veth-add", dev: "v".repeat(16), peer: "p" }, "dev"],
    [{ kind: "link-set-master", dev: "veth-a", master: "br0;x" }, "master"],
    [{ kind: "sysctl-set", key: "-a", value: "1" }, "key"],
    [{ kind: "sysctl-set", key: "net.ipv4..ip_forward", value: "1" }, "key"],
    [{ kind: "route-del", route: { family: 4, dst: "default", metric: -1 } }, "route.metric"],
    [{ kind: "route-add", route: { family: 5, dst: "default" } }, "route.family"],
    [{ kind: "nat-add", table: "nsrecipe-web", subnet: "10.0.0.0/24", bridge: "br0", uplink: "eth0" }, "table"],
    [
      { kind: "addr-add", dev: "eth0", addr: { family: "inet", local: "10.0.0.2", prefixlen: 24, nodad: "yes" } },
      "addr.nodad",
    ],
    [{ kind: "warp-drive" }, "kind"],
  ];
  for (const [step, path] of cases) {
    assert.deepEqual(stepIssues(step).map((i) => i.path.join(".")), [path], JSON.stringify(step));
  }
});

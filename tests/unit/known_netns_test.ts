import assert from "node:assert/strict";
import { foldRuns, knownNetns } from "../../src/journal/mod.ts";
import { parseJournal } from "../support/journal_text.ts";

const AT = "2026-11-29T06:33:00.000Z";
const ID = (ino: number) => ({ type: "netns", dev: 4, ino, mtimeMs: 1000 });
const addr = (netns: string, local: string) => ({
  kind: "addr-add",
  dev: "eth0",
  netns,
  addr: { family: "inet", local, prefixlen: 24 },
});
const begin = (run: string, steps: unknown[]) => ({
  v: 1,
  at: AT,
  kind: "run-begin",
  run,
  recipe: "veth-bridge",
  label: run,
  params: {},
  uses: [],
  steps,
  bootId: "b1",
  pid: 42,
});
const rec = (kind: string, run: string, extra: Record<string, unknown> = {}) => ({ v: 1, at: AT, kind, run, ...extra });
const known = (...records: unknown[]) =>
  Object.fromEntries(
    [...knownNetns(foldRuns(parseJournal(records.map((r) => JSON.stringify(r)).join("\n") + "\n")).runs)].map((
      [name, k],
    ) => [name, { ino: k.identity.ino, addresses: [...k.addresses] }]),
  );

Deno.test("knownNetns: a namespace an open run made (done, identity recorded) with the addresses its steps added", () => {
  assert.deepEqual(
    known(
      begin("r1", [{ kind: "netns-add", netns: "a" }, addr("a", "10.200.0.2"), addr("a", "2001:db8::2")]),
      rec("step-intent", "r1", { index: 0 }),
      rec("step-done", "r1", { index: 0, identities: { "netns:a": ID(7) } }),
      rec("step-intent", "r1", { index: 1 }),
      rec("step-done", "r1", { index: 1 }),
      // An address whose step has only its intent may be on the host: it counts.
      rec("step-intent", "r1", { index: 2 }),
      rec("run-end", "r1", { state: "applied" }),
    ),
    { a: { ino: 7, addresses: ["10.200.0.2", "2001:db8::2"] } },
  );
});

Deno.test("knownNetns: a namespace whose creation is not known done, of a closed run, or without an identity is left out (it is read)", () => {
  assert.deepEqual(
    known(
      // Only the intent of netns-add: killed before it was recorded done.
      begin("r1", [{ kind: "netns-add", netns: "a" }, addr("a", "10.200.0.2")]),
      rec("step-intent", "r1", { index: 0, identities: {} }),
      // Undone: closed.
      begin("r2", [{ kind: "netns-add", netns: "b" }]),
      rec("step-intent", "r2", { index: 0 }),
      rec("step-done", "r2", { index: 0, identities: { "netns:b": ID(8) } }),
      rec("run-end", "r2", { state: "applied" }),
      rec("step-undone", "r2", { index: 0, how: "reverted" }),
      rec("run-end", "r2", { state: "undone" }),
      // Done but no identity recorded (a journal of an earlier version).
      begin("r3", [{ kind: "netns-add", netns: "c" }]),
      rec("step-intent", "r3", { index: 0 }),
      rec("step-done", "r3", { index: 0 }),
      rec("run-end", "r3", { state: "applied" }),
    ),
    {},
  );
});

Deno.test("knownNetns: an address another open run added in the namespace counts; an undone one does not", () => {
  assert.deepEqual(
    known(
      begin("r1", [{ kind: "netns-add", netns: "a" }, addr("a", "10.200.0.2")]),
      rec("step-intent", "r1", { index: 0 }),
      rec("step-done", "r1", { index: 0, identities: { "netns:a": ID(7) } }),
      rec("step-intent", "r1", { index: 1 }),
      rec("step-done", "r1", { index: 1 }),
      rec("run-end", "r1", { state: "applied" }),
      begin("r2", [addr("a", "10.200.0.9"), addr("a", "10.200.0.10")]),
      rec("step-intent", "r2", { index: 0 }),
      rec("step-done", "r2", { index: 0 }),
      rec("step-intent", "r2", { index: 1 }),
      rec("step-done", "r2", { index: 1 }),
      rec("step-undone", "r2", { index: 1, how: "reverted" }),
      rec("run-end", "r2", { state: "incomplete" }),
    ),
    { a: { ino: 7, addresses: ["10.200.0.2", "10.200.0.9"] } },
  );
});

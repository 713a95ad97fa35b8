import assert from "node:assert/strict";
import { CHECKED_INSIDE_FIRST, checkRun, Unread } from "../../src/engine/mod.ts";
import type { Runner } from "../../src/exec/mod.ts";
import { IpReader } from "../../src/host/mod.ts";
import { foldRuns } from "../../src/journal/mod.ts";
import { kindOf, type Step, type StepContext } from "../../src/steps/mod.ts";
import { parseJournal } from "../support/journal_text.ts";

/** A read the test did not expect to be made first: outside the namespace the step names. */
class Outside extends Error {}

/**
 * A reader that answers every read inside `ns` with {@link Unread} (as status's quick look answers a namespace it
 * did not read) and fails any other read, those of the processes included, and those of /run/netns entries unless
 * `live` (then every entry is a live namespace whose identity is not known).
 */
class InsideOnly extends IpReader {
  /** The reads made, one argv each. */
  readonly reads: string[];
  constructor(ns: string, private readonly live = false) {
    const reads: string[] = [];
    const run: Runner = (argv) => {
      reads.push(argv.join(" "));
      return Promise.reject(argv[1] === "-n" && argv[2] === ns ? new Unread(argv) : new Outside(argv.join(" ")));
    };
    super(run);
    this.reads = reads;
  }
  override netnsEntryState(name: string): "live" {
    if (this.live) return "live";
    throw new Outside(`state of ${name}`);
  }
  override netnsIdentity(name: string): undefined {
    if (this.live) return undefined;
    throw new Outside(`identity of ${name}`);
  }
  override netnsPids(name: string): Promise<never> {
    return Promise.reject(new Outside(`pids of ${name}`));
  }
}

/** A step of each kind of CHECKED_INSIDE_FIRST in namespace `web`, as veth-bridge records them. */
const INSIDE: Step[] = [
  { kind: "link-set-netns", dev: "p-1456c9ab", netns: "web", newName: "eth0" },
  { kind: "link-set-up", dev: "lo", netns: "web" },
  { kind: "link-set-up", dev: "eth0", netns: "web", waitCarrier: true },
  { kind: "addr-add", dev: "eth0", netns: "web", addr: { family: "inet", local: "10.200.0.2", prefixlen: 24 } },
  { kind: "addr-add", dev: "eth0", netns: "web", addr: { family: "inet6", local: "fd00::2", prefixlen: 64 } },
  { kind: "route-add", netns: "web", route: { family: 4, dst: "default", via: "10.200.0.1", dev: "eth0" } },
  { kind: "route-add", netns: "web", route: { family: 6, dst: "default", via: "fd00::1", dev: "eth0" } },
] as Step[];

const ctx = (ns: string, live = false): StepContext => ({
  run: () => Promise.reject(new Outside("a command")),
  ip: new InsideOnly(ns, live),
  hostNetnsPath: "/proc/self/ns/net",
});

Deno.test("CHECKED_INSIDE_FIRST: each kind's check makes its first read inside the step's namespace, so a look that did not read it leaves the check unchecked before any other read", async () => {
  assert.deepEqual([...CHECKED_INSIDE_FIRST].sort(), ["addr-add", "link-set-netns", "link-set-up", "route-add"]);
  assert.deepEqual([...new Set(INSIDE.map((s) => s.kind))].sort(), [...CHECKED_INSIDE_FIRST].sort());
  for (const step of INSIDE) {
    await assert.rejects(kindOf(step).verify(step, ctx("web")), Unread, JSON.stringify(step));
    // The reader tells the namespaces apart: the same check in another namespace meets the first read outside.
    await assert.rejects(kindOf(step).verify(step, ctx("db")), Outside, JSON.stringify(step));
  }
});

Deno.test("checkRun: the steps of those kinds in a namespace not read, and the links put there, are unchecked as when their reads were made, and are not read", async () => {
  const AT = "2026-12-01T04:00:00.000Z";
  const records = [
    {
      v: 1,
      at: AT,
      kind: "run-begin",
      run: "r1",
      recipe: "veth-bridge",
      label: "web",
      params: {},
      uses: [],
      steps: [{ kind: "netns-add", netns: "web" }, ...INSIDE],
      bootId: "b1",
      pid: 42,
    },
    ...[{}, ...INSIDE].flatMap((_, index) => [
      { v: 1, at: AT, kind: "step-intent", run: "r1", index },
      { v: 1, at: AT, kind: "step-done", run: "r1", index },
    ]),
    { v: 1, at: AT, kind: "run-end", run: "r1", state: "applied" },
  ];
  const [run] = foldRuns(parseJournal(records.map((r) => JSON.stringify(r)).join("\n") + "\n")).runs;
  const reading = ctx("web", true);
  const ran = await checkRun(run, reading);
  const notReading = ctx("web", true);
  const skipped = await checkRun(run, notReading, undefined, undefined, [run], (n) => n === "web");
  assert.deepEqual(skipped, ran);
  // Each step's check once, and the namespace's links (what others put there): none when not read.
  assert.equal((reading.ip as InsideOnly).reads.length, INSIDE.length + 1);
  assert.deepEqual((notReading.ip as InsideOnly).reads, []);
  assert.deepEqual(ran.unchecked, [...INSIDE.map((s) => kindOf(s).summary(s)), "links put in 'web' outside nsrecipe"]);
  assert.deepEqual(ran.drift, []);
  // Asked of another namespace than the steps', nothing is skipped: their checks run (and meet this reader's Unread).
  const other = await checkRun(run, ctx("web", true), undefined, undefined, [run], (n) => n === "db");
  assert.deepEqual(other, ran);
});

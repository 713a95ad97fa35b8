import assert from "node:assert/strict";
import { applyRun, type EngineDeps, faultHook, parseFault } from "../../src/engine/mod.ts";
import { applyGroups, expectedFailureNoted } from "../../src/engine/apply_batch.ts";
import type { FaultPhase } from "../../src/engine/faults.ts";
import { CommandError, StepError, UndoError } from "../../src/errors.ts";
import { hintFor, type Runner } from "../../src/exec/mod.ts";
import { IpReader } from "../../src/host/mod.ts";
import type { JournalRecord, RecordBody } from "../../src/journal/mod.ts";
import type { Step } from "../../src/steps/mod.ts";
import { EmptyNetnsLook, PollingLook } from "../../src/engine/polling_look.ts";
import { recordingRunner } from "../../src/exec/mod.ts";

/**
 * A fake host whose state is IPv4 routes of the main table and one link, `eth0`, run as iproute2 does: `ip -batch -`
 * runs its lines in order and stops at the first that fails (`Command failed -:N`; with `-force` it goes on); a
 * route to a `refused` destination fails with `File exists`; a read line (`addr show dev NAME`, `route show table
 * all root PREFIX`) prints one JSON array, or fails for a link that does not exist.
 */
function fakeHost(refused: ReadonlySet<string> = new Set(), undeletable: ReadonlySet<string> = new Set()) {
  const routes: { dst: string; gateway: string; dev: string }[] = [];
  const calls: { argv: readonly string[]; stdin?: string }[] = [];
  const eth0 = { ifindex: 2, ifname: "eth0", flags: ["UP"], mtu: 1500, operstate: "UP", addr_info: [] };
  const apply = (words: string[]): string | undefined => {
    const [, op, dst] = words;
    const gateway = words[words.indexOf("via") + 1];
    const dev = words[words.indexOf("dev") + 1];
    const at = routes.findIndex((r) => r.dst === dst && r.dev === dev);
    if (op === "add") {
      if (at >= 0 || refused.has(dst)) return "RTNETLINK answers: File exists";
      routes.push({ dst, gateway, dev });
    } else {
      if (at < 0) return "RTNETLINK answers: No such process";
      if (undeletable.has(dst)) return "RTNETLINK answers: Operation not permitted";
      routes.splice(at, 1);
    }
    return undefined;
  };
  const routeList = () => JSON.stringify(routes.map((r) => ({ ...r, flags: [] })));
  /** One batch line: what it prints on stdout, or its error. */
  const line = (words: string[]): { out?: string; err?: string } => {
    if (words[0] === "addr" && words[1] === "show") {
      const dev = words[words.indexOf("dev") + 1];
      if (!words.includes("dev")) return { out: JSON.stringify([eth0]) };
      return dev === "eth0" ? { out: JSON.stringify([eth0]) } : { err: `Device "${dev}" does not exist.` };
    }
    if (words[0] === "route" && words[1] === "show") return { out: words.includes("::/0") ? "[]" : routeList() };
    if (words[1] === "show") return { out: "[]" };
    const err = apply(words);
    return err ? { err } : {};
  };
  const run: Runner = (argv, opts = {}) => {
    calls.push({ argv, stdin: opts.stdin });
    let code = 0, stdout = "", stderr = "";
    if (argv.includes("-batch")) {
      const out: string[] = [];
      const errs: string[] = [];
      for (const [i, text] of opts.stdin!.trim().split("\n").entries()) {
        const r = line(text.split(" "));
        if (r.out !== undefined) out.push(r.out);
        if (r.err === undefined) continue;
        code = 1;
        errs.push(r.err, `Command failed -:${i + 1}`);
        if (!argv.includes("-force")) break;
      }
      [stdout, stderr] = [out.map((l) => `${l}\n`).join(""), errs.join("\n")];
    } else if (argv.includes("route") && argv.includes("show")) {
      stdout = argv.includes("-6") ? "[]" : routeList();
    } else if (argv.includes("route")) {
      const err = apply(argv.slice(argv.indexOf("route")));
      if (err) [code, stderr] = [2, err];
    } else stdout = "[]";
    if (!(opts.okCodes ?? [0]).includes(code)) {
      return Promise.reject(new CommandError(argv, code, stderr, hintFor(argv, stderr)));
    }
    return Promise.resolve({ argv, code, stdout, stderr, durationMs: 0 });
  };
  return { routes, calls, run };
}

/** A batch line that only reads (`… show …`). */
const isRead = (line: string) => / show( |$)/.test(line);

/** An `ip -batch` that changes the host (its reads after the changes aside), not a look at it. */
const isApplyBatch = (argv: readonly string[], stdin = "") =>
  argv.includes("-batch") && stdin.split("\n").some((l) => l !== "" && !isRead(l));

/** The lines of a batch's text that change the host. */
const changes = (text: string) => text.trim().split("\n").filter((l) => !isRead(l));

/** The processes that read the routes (a batch's line, or `ip route show`). */
const routeReads = (calls: { argv: readonly string[]; stdin?: string }[]) =>
  calls.filter((c) =>
    (c.argv.includes("route") && c.argv.includes("show")) ||
    (c.stdin ?? "").split("\n").some((l) => /^route show/.test(l))
  );

/** A journal in memory that counts its syncs (one per `append` or `appendAll`). */
function memJournal() {
  const records: JournalRecord[] = [];
  let syncs = 0;
  const journal = {
    path: "/run/nsrecipe/journal.jsonl",
    append(body: RecordBody) {
      return this.appendAll([body]);
    },
    appendAll(bodies: readonly RecordBody[]) {
      syncs++;
      for (const b of bodies) records.push({ v: 1, at: "", ...b } as JournalRecord);
      return Promise.resolve();
    },
    read: () => Promise.resolve({ records, lines: records.map((_, i) => i + 1), problems: [] }),
  };
  return { journal, records, syncs: () => syncs };
}

function deps(run: Runner, journal: ReturnType<typeof memJournal>["journal"], fault = ""): EngineDeps {
  return {
    ctx: { run, ip: new IpReader(run), hostNetnsPath: "/proc/1/ns/net" },
    journal,
    bootId: "boot-1",
    log: () => {},
    fault: faultHook(parseFault(fault && `i-understand-this-breaks-nsrecipe:${fault}`), run),
  };
}

const route = (i: number): Step => ({
  kind: "route-add",
  route: { family: 4, dst: `10.0.${i}.0/24`, via: "198.51.100.254", dev: "eth0" },
});
const req = (steps: Step[]) => ({ recipe: "test", label: "t", params: {}, uses: [], handover: [], steps });
/** The state of the run's last run-end record. */
const endState = (records: JournalRecord[]) =>
  records.filter((r) => r.kind === "run-end").map((r) => "state" in r && r.state).at(-1);
const seq = (records: JournalRecord[]) =>
  records.filter((r) => r.kind !== "run-begin").map((r) => "index" in r ? `${r.kind}#${r.index}` : r.kind);

Deno.test("applyGroups: consecutive plain-ip steps in one namespace run together; a netns or a sysctl runs alone", () => {
  const steps: Step[] = [
    { kind: "sysctl-set", key: "net.ipv4.ip_forward", value: "1" },
    route(0),
    route(1),
    { kind: "route-add", netns: "web", route: { family: 4, dst: "default", via: "10.0.0.1", dev: "eth0" } },
    { kind: "route-add", netns: "web", route: { family: 4, dst: "10.9.0.0/24", via: "10.0.0.1", dev: "eth0" } },
    route(2),
  ];
  assert.deepEqual(applyGroups(steps), [[0], [1, 2], [3, 4], [5]]);
});

/** The `ip -batch -` calls seen: each one's text must be whole lines (the runner writes them in PIPE_BUF chunks). */
function batchTexts(calls: { argv: readonly string[]; stdin?: string }[]): string[] {
  const texts = calls.filter((c) => isApplyBatch(c.argv, c.stdin)).map((c) => c.stdin!);
  for (const t of texts) assert.ok(t.endsWith("\n"), "whole lines");
  return texts;
}

Deno.test("applyRun: 200 route steps (10,000 bytes of lines) are one ip -batch process, two journal syncs and one look at the routes", async () => {
  const host = fakeHost();
  const j = memJournal();
  const steps = Array.from({ length: 200 }, (_, i) => route(i));
  await applyRun(req(steps), deps(host.run, j.journal));
  assert.equal(host.routes.length, 200);
  const texts = batchTexts(host.calls);
  // 'route add 10.0.N.0/24 via 198.51.100.254 dev eth0\n' is 50, 51 or 52 bytes: 10,200 bytes in all, one process.
  assert.deepEqual(texts.map((t) => changes(t).length), [200]);
  assert.deepEqual(
    texts.flatMap(changes),
    steps.map((_, i) => `route add 10.0.${i}.0/24 via 198.51.100.254 dev eth0`),
  );
  // The routes are read with the link the steps name before the batch, in one process (what the steps capture), and
  // by the batch itself after its changes (what checks them): no process of their own.
  const last = host.calls.filter((c) => isApplyBatch(c.argv, c.stdin)).at(-1)!;
  assert.deepEqual(routeReads(host.calls), [host.calls[0], last]);
  assert.deepEqual(host.calls[0], {
    argv: ["ip", "-force", "-json", "-details", "-batch", "-"],
    stdin: "addr show dev eth0\nroute show table all root 0.0.0.0/0\nroute show table all root ::/0\n",
  });
  assert.deepEqual(last.argv, ["ip", "-json", "-details", "-batch", "-"]);
  assert.deepEqual(last.stdin!.trim().split("\n").slice(200), [
    "addr show dev eth0",
    "route show table all root 0.0.0.0/0",
    "route show table all root ::/0",
  ]);
  // run-begin, the intents, the done records, run-end.
  assert.equal(j.syncs(), 4);
  const s = seq(j.records);
  assert.deepEqual(s, [
    ...steps.map((_, i) => `step-intent#${i}`),
    ...steps.map((_, i) => `step-done#${i}`),
    "run-end",
  ]);
});

Deno.test("applyRun: a batch line that fails leaves the steps before it done, it failed, the rest never run; rolled back", async () => {
  for (const failing of [0, 2, 4]) {
    const host = fakeHost(new Set([`10.0.${failing}.0/24`]));
    const j = memJournal();
    const steps = Array.from({ length: 5 }, (_, i) => route(i));
    const e = await applyRun(req(steps), deps(host.run, j.journal)).then(() => undefined, (e) => e);
    assert.ok(e instanceof StepError, String(e));
    assert.equal(e.stepIndex, failing);
    assert.match(
      e.message,
      new RegExp(`'ip -4 route add 10\\.0\\.${failing}\\.0/24 .*' said: RTNETLINK answers: File exists`),
    );
    assert.deepEqual(host.routes, [], `failing line ${failing + 1}: host as before`);
    const before = [...Array(failing).keys()];
    assert.deepEqual(seq(j.records), [
      ...steps.map((_, i) => `step-intent#${i}`),
      ...before.map((i) => `step-done#${i}`),
      `step-failed#${failing}`,
      ...before.reverse().map((i) => `step-undone#${i}`),
      "run-end",
    ]);
    assert.deepEqual(j.records.filter((r) => r.kind === "run-end").map((r) => "state" in r && r.state), [
      "rolled-back",
    ]);
  }
});

Deno.test("applyRun: kill@in-batch splits the batch right after that step's line", async () => {
  // The hook reports the point armed but does nothing there (a unit test must not SIGKILL itself).
  const host = fakeHost();
  const j = memJournal();
  const steps = Array.from({ length: 4 }, (_, i) => route(i));
  const d = deps(host.run, j.journal);
  const armed = parseFault("i-understand-this-breaks-nsrecipe:kill@in-batch:1");
  d.fault = Object.assign(() => Promise.resolve(), {
    armed: (p: FaultPhase, i: number) => armed.some((a) => a.phase === p && a.index === i),
  });
  await applyRun(req(steps), d);
  const batches = host.calls.filter((c) => isApplyBatch(c.argv, c.stdin)).map((c) => changes(c.stdin!).length);
  assert.deepEqual(batches, [2, 2]);
  assert.equal(host.routes.length, 4);
});

Deno.test("applyRun: fail@step inside a batch runs the lines before it only; fail@after-command reverts every line that ran", async () => {
  for (const [fault, undone] of [["fail@step:2", [2, 1, 0]], ["fail@after-command:1", [3, 2, 1, 0]]] as const) {
    const host = fakeHost();
    const j = memJournal();
    const steps = Array.from({ length: 4 }, (_, i) => route(i));
    const e = await applyRun(req(steps), deps(host.run, j.journal, fault)).then(() => undefined, (e) => e);
    assert.ok(e instanceof StepError, String(e));
    assert.deepEqual(host.routes, [], fault);
    const s = seq(j.records);
    assert.deepEqual(s.filter((x) => x.startsWith("step-undone")), undone.map((i) => `step-undone#${i}`), fault);
  }
});

Deno.test("applyRun: an ip -batch killed on its timeout may have run any of its lines: every step of it is rolled back, none recorded done", async () => {
  // Killed after its first `ran` lines took effect (0: before any), as the timeout of the process seam kills a hung `ip`.
  for (const ranLines of [0, 2, 4]) {
    const host = fakeHost();
    const j = memJournal();
    const steps = Array.from({ length: 4 }, (_, i) => route(i));
    let killed = false;
    const run: Runner = (argv, opts = {}) => {
      // The apply's batch is killed; the rollback's runs.
      if (!isApplyBatch(argv, opts.stdin) || killed) return host.run(argv, opts);
      killed = true;
      const lines = opts.stdin!.trim().split("\n").slice(0, ranLines).join("\n");
      if (lines) host.run(argv, { ...opts, stdin: lines });
      const stderr = "timed out after 30000 ms and was killed";
      return Promise.reject(new CommandError(argv, 137, stderr, hintFor(argv, stderr)));
    };
    const e = await applyRun(req(steps), deps(run, j.journal)).then(() => undefined, (e) => e);
    assert.ok(e instanceof StepError, String(e));
    assert.equal(e.stepIndex, 0);
    assert.match(e.message, /'ip -json -details -batch -' said: timed out after 30000 ms and was killed/);
    assert.deepEqual(host.routes, [], `killed after ${ranLines} lines: host as before`);
    assert.deepEqual(seq(j.records), [
      ...steps.map((_, i) => `step-intent#${i}`),
      "step-failed#0",
      ...[3, 2, 1, 0].map((i) => `step-undone#${i}`),
      "run-end",
    ]);
  }
});

Deno.test("applyRun: a read that fails while checking a batch fails the step being checked; every line that ran is rolled back", async () => {
  const host = fakeHost();
  const j = memJournal();
  const steps = Array.from({ length: 3 }, (_, i) => route(i));
  let batches = 0;
  const run: Runner = (argv, opts = {}) => {
    // The batch's own reads print nothing (output that does not match them is not trusted), so the check reads the
    // routes on its own: that read fails; the rollback's reads work.
    if (isApplyBatch(argv, opts.stdin) && ++batches === 1) {
      return host.run(argv, { ...opts, stdin: `${changes(opts.stdin!).join("\n")}\n` });
    }
    if (routeReads([{ argv, stdin: opts.stdin }]).length > 0 && batches === 1) {
      batches++;
      const stderr = "Cannot send dump request: Connection refused";
      return Promise.reject(new CommandError(argv, 1, stderr, hintFor(argv, stderr)));
    }
    return host.run(argv, opts);
  };
  const e = await applyRun(req(steps), deps(run, j.journal)).then(() => undefined, (e) => e);
  assert.ok(e instanceof StepError, String(e));
  assert.equal(e.stepIndex, 0);
  assert.match(e.message, /Cannot send dump request/);
  assert.deepEqual(host.routes, []);
  assert.deepEqual(seq(j.records), [
    ...steps.map((_, i) => `step-intent#${i}`),
    "step-failed#0",
    ...[2, 1, 0].map((i) => `step-undone#${i}`),
    "run-end",
  ]);
});

Deno.test("rollback of 200 route steps runs their inverses in one ip -batch; a failing line stops there, the steps before it are reverted", async () => {
  // Every step ran; the check of the last fails, so all 200 are rolled back, newest first.
  const host = fakeHost();
  const j = memJournal();
  const steps = Array.from({ length: 200 }, (_, i) => route(i));
  const e = await applyRun(req(steps), deps(host.run, j.journal, "fail@after-command:199")).then(
    () => undefined,
    (e) => e,
  );
  assert.ok(e instanceof StepError, String(e));
  assert.deepEqual(host.routes, []);
  const texts = batchTexts(host.calls).slice(1); // after the apply's one
  assert.equal(texts.length, 1, `${texts.length} processes`);
  assert.deepEqual(
    texts.flatMap(changes),
    steps.map((_, i) => `route del 10.0.${i}.0/24 via 198.51.100.254 dev eth0`).reverse(),
  );
  // A route that cannot be deleted, late in the batch: the steps before it are reverted, it failed, the rest wait.
  const stuck = 40;
  const host2 = fakeHost(new Set(), new Set([`10.0.${stuck}.0/24`]));
  const j2 = memJournal();
  const e2 = await applyRun(req(steps), deps(host2.run, j2.journal, "fail@after-command:199")).then(
    () => undefined,
    (e) => e,
  );
  assert.ok(e2 instanceof UndoError, String(e2));
  assert.match(e2.message, /Operation not permitted/);
  const undone = seq(j2.records).filter((x) => x.startsWith("step-undo"));
  assert.deepEqual(undone, [
    ...steps.slice(stuck + 1).map((_, i) => `step-undone#${199 - i}`),
    `step-undo-failed#${stuck}`,
  ]);
  assert.deepEqual(host2.routes.map((r) => r.dst), steps.slice(0, stuck + 1).map((_, i) => `10.0.${i}.0/24`));
});

Deno.test("rollback whose ip -batch of inverses is killed on its timeout: steps whose inverse ran count as reverted, the rest run again; none ran: the first is failed with the timeout", async () => {
  for (const ranLines of [2, 0]) {
    const host = fakeHost();
    const j = memJournal();
    const steps = Array.from({ length: 4 }, (_, i) => route(i));
    let batches = 0;
    const run: Runner = (argv, opts = {}) => {
      // The apply's batch runs; the rollback's first batch is killed after `ranLines` of its lines took effect.
      if (!isApplyBatch(argv, opts.stdin) || ++batches !== 2) return host.run(argv, opts);
      const lines = opts.stdin!.trim().split("\n").slice(0, ranLines).join("\n");
      if (lines) host.run(argv, { ...opts, stdin: lines });
      const stderr = "timed out after 30000 ms and was killed";
      return Promise.reject(new CommandError(argv, 137, stderr, hintFor(argv, stderr)));
    };
    const e = await applyRun(req(steps), deps(run, j.journal, "fail@after-command:3")).then(() => undefined, (e) => e);
    const undo = seq(j.records).filter((x) => x.startsWith("step-undo"));
    if (ranLines === 2) {
      assert.ok(e instanceof StepError, String(e));
      assert.deepEqual(host.routes, []);
      assert.deepEqual(undo, [3, 2, 1, 0].map((i) => `step-undone#${i}`));
      assert.equal(endState(j.records), "rolled-back");
    } else {
      assert.ok(e instanceof UndoError, String(e));
      assert.match(e.message, /timed out after 30000 ms and was killed/);
      assert.equal(host.routes.length, 4, "nothing reverted: the run stays open for undo");
      assert.deepEqual(undo, ["step-undo-failed#3"]);
      assert.equal(endState(j.records), "incomplete");
    }
  }
});

/**
 * Runs `steps` on a fake host, with one list of what happened in order: `$ ip -batch` for each batch that changes
 * the host (a rollback's too), and each progress line of `run` (`[n/N] …`, `  failed: …`).
 */
async function progressOf(steps: Step[], refused: ReadonlySet<string> = new Set(), fault = "") {
  const host = fakeHost(refused);
  const events: string[] = [];
  const run: Runner = (argv, opts) => {
    if (isApplyBatch(argv, opts?.stdin)) events.push("$ ip -batch");
    return host.run(argv, opts);
  };
  const j = memJournal();
  const d = { ...deps(run, j.journal, fault), log: (line: string) => events.push(line) };
  const error = await applyRun(req(steps), d).then(() => undefined, (e) => e);
  return { events: events.filter((e) => /^(\$ ip -batch|\[\d+\/\d+\] | {2}failed: )/.test(e)), error };
}

Deno.test("run's [n/N] lines of a batch come once it ran, one per step done: none is said before its ip -batch", async () => {
  const steps = Array.from({ length: 3 }, (_, i) => route(i));
  const { events, error } = await progressOf(steps);
  assert.equal(error, undefined);
  assert.deepEqual(events, [
    "$ ip -batch",
    "[1/3] add route 10.0.0.0/24 via 198.51.100.254 dev eth0",
    "[2/3] add route 10.0.1.0/24 via 198.51.100.254 dev eth0",
    "[3/3] add route 10.0.2.0/24 via 198.51.100.254 dev eth0",
  ]);
});

Deno.test("run's [n/N] lines when a batch line fails: the steps done, then the failed one with its reason; none after it", async () => {
  const steps = Array.from({ length: 4 }, (_, i) => route(i));
  const { events, error } = await progressOf(steps, new Set(["10.0.2.0/24"]));
  assert.ok(error instanceof StepError, String(error));
  assert.deepEqual(events, [
    "$ ip -batch",
    "[1/4] add route 10.0.0.0/24 via 198.51.100.254 dev eth0",
    "[2/4] add route 10.0.1.0/24 via 198.51.100.254 dev eth0",
    "[3/4] add route 10.0.2.0/24 via 198.51.100.254 dev eth0",
    "  failed: RTNETLINK answers: File exists; rolling back",
    "$ ip -batch", // the rollback's
  ]);
});

Deno.test("run's [n/N] lines when the batch never ran (a fault before it): only the step that failed is said", async () => {
  const steps = Array.from({ length: 3 }, (_, i) => route(i));
  const { events, error } = await progressOf(steps, new Set(), "fail@step:0");
  assert.ok(error instanceof StepError, String(error));
  assert.equal(events.length, 2, events.join("\n"));
  assert.equal(events[0], "[1/3] add route 10.0.0.0/24 via 198.51.100.254 dev eth0");
  assert.match(events[1], /^ {2}failed: injected failure at step:0 .*; rolling back$/);
});

Deno.test("PollingLook: the first question from the shared look, the same question again afresh (a poll sees processes go)", async () => {
  let pids = "4242\n";
  const { run, calls } = recordingRunner((argv) => argv.includes("pids") ? { stdout: pids } : { stdout: "[]" });
  const look = new IpReader(() => Promise.resolve({ argv: [], code: 0, stdout: "7\n", stderr: "", durationMs: 0 }));
  const ip = new PollingLook(run, look);
  assert.deepEqual(await ip.netnsPids("web"), [7], "from the look");
  assert.deepEqual(await ip.netnsPids("web"), [4242]);
  pids = "";
  assert.deepEqual(await ip.netnsPids("web"), []);
  assert.deepEqual(calls.map((c) => c.argv.join(" ")), ["ip netns pids web", "ip netns pids web"]);
});

Deno.test("applyRun: the check again once every step is done (recheck) reads the links the steps name and the routes in one process", async () => {
  const host = fakeHost();
  const j = memJournal();
  const steps = Array.from({ length: 3 }, (_, i) => route(i));
  await applyRun({ ...req(steps), recheck: [0, 2] }, deps(host.run, j.journal));
  const last = host.calls.findLastIndex((c) => isApplyBatch(c.argv, c.stdin));
  assert.deepEqual(host.calls.slice(last + 1), [{
    argv: ["ip", "-force", "-json", "-details", "-batch", "-"],
    stdin: "addr show dev eth0\nroute show table all root 0.0.0.0/0\nroute show table all root ::/0\n",
  }]);
  assert.equal(endState(j.records), "applied");
});

Deno.test("applyRun: a step alone in a named netns runs as a batch whose process then reads the netns whole for its check; one on the host runs on its own", async () => {
  const host = fakeHost();
  const j = memJournal();
  const inWeb: Step = {
    kind: "route-add",
    netns: "web",
    route: { family: 4, dst: "default", via: "10.0.0.1", dev: "eth0" },
  };
  await applyRun(req([inWeb]), deps(host.run, j.journal));
  assert.deepEqual(host.calls.map((c) => [c.argv.join(" "), c.stdin]), [[
    "ip -n web -json -details -batch -",
    "route add default via 10.0.0.1 dev eth0\naddr show\nroute show table all root 0.0.0.0/0\n" +
    "route show table all root ::/0\nneigh show nud permanent\nneigh show nud noarp\nneigh show proxy\n",
  ]]);
  assert.deepEqual(seq(j.records), ["step-intent#0", "step-done#0", "run-end"]);

  const alone = fakeHost();
  await applyRun(req([route(0)]), deps(alone.run, memJournal().journal));
  assert.deepEqual(alone.calls.filter((c) => !c.argv.includes("show")).map((c) => c.argv.join(" ")), [
    "ip -4 route add 10.0.0.0/24 via 198.51.100.254 dev eth0",
  ]);
});

Deno.test("EmptyNetnsLook: a look that found no process answers; one that found some is read again before anything is done, then polled", async () => {
  let pids = "";
  const { run, calls } = recordingRunner((argv) => argv.includes("pids") ? { stdout: pids } : { stdout: "[]" });
  const lookSays = (out: string) =>
    new IpReader(() => Promise.resolve({ argv: [], code: 0, stdout: out, stderr: "", durationMs: 0 }));
  assert.deepEqual(await new EmptyNetnsLook(run, lookSays("")).netnsPids("web"), []);
  assert.equal(calls.length, 0, "none found: no read of its own");
  // The look saw a process that has ended since: the fresh read says so, and nothing is signalled.
  const ended = new EmptyNetnsLook(run, lookSays("200\n"));
  assert.deepEqual(await ended.netnsPids("web"), []);
  assert.equal(calls.length, 1);
  pids = "4242\n";
  const busy = new EmptyNetnsLook(run, lookSays("4242\n"));
  assert.deepEqual(await busy.netnsPids("web"), [4242]);
  pids = "";
  assert.deepEqual(await busy.netnsPids("web"), [], "polled afresh");
  assert.equal(calls.length, 3);
});

Deno.test("expectedFailureNoted: the batch's last read failing on a link the batch moved away is noted as expected; any other failure is left as it is", () => {
  const reads = ["addr show dev veth-web", "addr show dev br0", "addr show dev p-1a2b3c4d"];
  const gone = new Set(["p-1a2b3c4d"]);
  const failed = (line: number, name: string) => `Device "${name}" does not exist.\nCommand failed -:${line}\n`;
  assert.equal(
    expectedFailureNoted(failed(11, "p-1a2b3c4d"), 8, reads, gone),
    `Device "p-1a2b3c4d" does not exist.\nCommand failed -:11\n` +
      "(expected: 'p-1a2b3c4d' was moved out of this namespace, and this read checks it is gone)",
  );
  // A link that should be there, a change that failed, another message, no failed line: as they are.
  assert.equal(expectedFailureNoted(failed(10, "br0"), 8, reads, gone), failed(10, "br0"));
  assert.equal(expectedFailureNoted(failed(3, "p-1a2b3c4d"), 8, reads, gone), failed(3, "p-1a2b3c4d"));
  const other = "RTNETLINK answers: Operation not permitted\nCommand failed -:11\n";
  assert.equal(expectedFailureNoted(other, 8, reads, gone), other);
  assert.equal(expectedFailureNoted("", 8, reads, gone), "");
});

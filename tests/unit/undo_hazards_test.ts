import assert from "node:assert/strict";
import { foreignAttachments, type Journaled, namespacesLookedInto } from "../../src/engine/undo_hazards.ts";
import type { RevertItem } from "../../src/engine/revert.ts";
import { type EngineDeps, refuseHazards } from "../../src/engine/mod.ts";
import type { Runner } from "../../src/exec/mod.ts";
import { type IpLink, IpReader, SnapshotIpReader } from "../../src/host/mod.ts";
import type { RunView, StepState } from "../../src/journal/mod.ts";
import type { Step } from "../../src/steps/mod.ts";

/** A host of the given links, without addresses, routes or neighbour entries. */
class FakeHost extends IpReader {
  constructor(private readonly all: IpLink[]) {
    super(() => Promise.reject(new Error("no process in a unit test")));
  }
  override links(): Promise<IpLink[]> {
    return Promise.resolve(this.all);
  }
  override link(dev: string): Promise<IpLink | undefined> {
    return Promise.resolve(this.all.find((l) => l.ifname === dev));
  }
  override addrs() {
    return Promise.resolve([]);
  }
  override routes() {
    return Promise.resolve([]);
  }
  override staticNeighbours() {
    return Promise.resolve([]);
  }
}

const link = (ifindex: number, ifname: string, master?: string): IpLink => ({
  ifindex,
  ifname,
  flags: [],
  mtu: 1500,
  operstate: "UP",
  ...(master ? { master } : {}),
});

/** veth-bridge's host steps: veth, bridge, enslave. */
const STEPS: Step[] = [
  { kind: "veth-add", dev: "veth-n1", peer: "p-1", mac: "fe:00:00:00:00:01" },
  { kind: "bridge-add", dev: "br0", mac: "02:00:00:00:00:01" },
  { kind: "link-set-master", dev: "veth-n1", master: "br0" },
];

/** A run of {@link STEPS} in these states, with these recorded link ifindexes. */
function run(stepStates: StepState[], ifindexes: Record<string, number>): Journaled & { stepStates: StepState[] } {
  return {
    steps: STEPS,
    stepStates,
    identities: Object.fromEntries(
      Object.entries(ifindexes).map(([name, ifindex]) => [`link:${name}`, { type: "link" as const, ifindex }]),
    ),
  };
}

/** Undo of `target`'s bridge (step 1), with `runs` the journal's runs. */
function undoBridge(target: Journaled, runs: Journaled[], host: IpLink[]): Promise<string[]> {
  const item: RevertItem = { run: "R", index: 1, step: STEPS[1], identities: target.identities };
  return foreignAttachments([item], runs, new FakeHost(host));
}

// Killed between the batch's `ip` and its done records: every step has an intent, none a done record (nor identity).
const KILLED: StepState[] = ["intent", "intent", "intent"];
const UNDONE: StepState[] = ["undone", "undone", "undone"];

Deno.test("foreignAttachments: a port the run's started enslave step attached is its own, whatever earlier runs recorded", async () => {
  const earlier = run(UNDONE, { "veth-n1": 7, br0: 8 }); // undone; its veth-n1 (ifindex 7) is long gone
  const killed = run(KILLED, {});
  const host = [link(20, "veth-n1", "br0"), link(21, "br0")];
  assert.deepEqual(await undoBridge(killed, [earlier, killed], host), []);
  assert.deepEqual(await undoBridge(killed, [killed], host), [], "alone in the journal, as before");
});

Deno.test("foreignAttachments: a port by the name of an earlier, undone run's unrecorded link is someone else's", async () => {
  const earlier = run(UNDONE, {}); // killed inside its batch, then undone: it never recorded identities
  const later = run(["done", "done", "planned"], { "veth-n1": 30, br0: 31 });
  const host = [link(40, "veth-n1", "br0"), link(31, "br0"), link(30, "veth-x")]; // its own veth renamed
  assert.deepEqual(await undoBridge(later, [earlier, later], host), ["'veth-n1' is a port of bridge 'br0'"]);
});

Deno.test("foreignAttachments: a link of the run's name but another ifindex than it recorded is someone else's", async () => {
  const applied = run(["done", "done", "done"], { "veth-n1": 20, br0: 21 });
  const host = [link(25, "veth-n1", "br0"), link(21, "br0")]; // veth-n1 deleted and made again by hand, enslaved
  assert.deepEqual(await undoBridge(applied, [applied], host), ["'veth-n1' is a port of bridge 'br0'"]);
  const started = run(["done", "done", "intent"], { "veth-n1": 20, br0: 21 });
  assert.deepEqual(
    await undoBridge(started, [started], host),
    ["'veth-n1' is a port of bridge 'br0'"],
    "an enslave step with an intent only does not make another link of the recorded name its own",
  );
});

Deno.test("foreignAttachments: a VLAN, macvlan, ipvlan or VXLAN stacked by hand on the run's bridge or veth is named (the kernel deletes it with its lower link); the veth's peer and links on other links are not", async () => {
  const applied = run(["done", "done", "done"], { "veth-n1": 20, br0: 21 });
  const stacked = (ifindex: number, ifname: string, lower: string, kind: string): IpLink => ({
    ...link(ifindex, ifname),
    link: lower,
    linkinfo: { info_kind: kind },
  });
  const host = [
    link(20, "veth-n1", "br0"),
    link(21, "br0"),
    stacked(30, "br0.100", "br0", "vlan"),
    stacked(31, "mv0", "br0", "macvlan"),
    stacked(32, "veth-n1.7", "veth-n1", "vlan"),
    stacked(33, "ipv0", "veth-n1", "ipvlan"),
    stacked(34, "p-1", "veth-n1", "veth"), // the veth's peer, still on the host: its `link` is the pair, not a lower
    stacked(35, "mv1", "eth0", "macvlan"), // stacked on another link
    { ...link(36, "vx0"), linkinfo: { info_kind: "vxlan", info_data: { link: "br0" } } }, // `dev br0`
    { ...link(37, "vx1"), linkinfo: { info_kind: "vxlan", info_data: { link: "eth0" } } },
  ];
  assert.deepEqual(await undoBridge(applied, [applied], host), [
    "'br0.100' (vlan) is stacked on bridge 'br0'",
    "'mv0' (macvlan) is stacked on bridge 'br0'",
    "'vx0' (vxlan) is stacked on bridge 'br0'",
  ]);
  const veth: RevertItem = { run: "R", index: 0, step: STEPS[0], identities: applied.identities };
  assert.deepEqual(await foreignAttachments([veth], [applied], new FakeHost(host)), [
    "'veth-n1.7' (vlan) is stacked on link 'veth-n1'",
    "'ipv0' (ipvlan) is stacked on link 'veth-n1'",
  ]);
});

Deno.test("namespacesLookedInto: the namespaces of the netns-add steps undo reverts, in step order", () => {
  const item = (index: number, step: Step): RevertItem => ({ run: "R", index, step, identities: {} });
  assert.deepEqual(
    namespacesLookedInto([
      item(3, { kind: "link-set-up", dev: "eth0", netns: "web" }),
      item(2, { kind: "netns-add", netns: "web" }),
      item(1, STEPS[0]),
      item(0, { kind: "netns-add", netns: "db" }),
    ]),
    ["web", "db"],
  );
  assert.deepEqual(namespacesLookedInto(STEPS.map((s, i) => item(i, s))), []);
});

Deno.test("refuseHazards: the links inside the namespace undo deletes are read beside the host's lists, not after them, and nothing else is read", async () => {
  // Each process is answered only once both reads have started: were they one after the other, this would hang.
  const started: string[] = [];
  let bothStarted!: () => void;
  const gate = new Promise<void>((resolve) => bothStarted = resolve);
  const hostLists = ["[]", "[]", "[]", "[]", "[]", "[]"].join("\n");
  const fake: Runner = async (argv) => {
    started.push(argv.join(" "));
    if (started.length === 2) bothStarted();
    await gate;
    // The namespace's links and its processes (the reading `ip -n` itself, PID 4242, and none other).
    const stdout = argv.includes("-n") ? `${JSON.stringify([lo])}\n4242\n` : hostLists;
    return { argv, code: 0, stdout, stderr: "", durationMs: 0, pid: 4242 };
  };
  const lo = { ...link(1, "lo"), addr_info: [] };
  const steps: Step[] = [{ kind: "netns-add", netns: "nsrecipe-unit-absent" }, STEPS[0]];
  const target = { id: "R", label: "web", steps, identities: {}, stepStates: ["done", "done"] } as unknown as RunView;
  const items = steps.map((step, index): RevertItem => ({ run: "R", index, step, identities: {} })).reverse();
  let serial = false;
  const timeout = setTimeout(() => {
    serial = true;
    bothStarted();
  }, 3000);
  try {
    await refuseHazards(target, [target], items, {} as EngineDeps, new SnapshotIpReader(fake));
  } finally {
    clearTimeout(timeout);
  }
  assert.equal(serial, false, `the second read waited for the first: ${started.join("; ")}`);
  assert.deepEqual(started.sort(), [
    "ip -json -details -batch -",
    "ip -n nsrecipe-unit-absent -json -details -batch -",
  ]);
});

Deno.test("SnapshotIpReader.prefetchWithProcesses: a netns's links and its processes in one 'ip -n', that ip's own PID left out; without its PID the processes are read on their own", async () => {
  const lo = { ...link(1, "lo"), addr_info: [] };
  const calls: string[] = [];
  const fake = (pid: number | undefined, listed: string): Runner => (argv, opts = {}) => {
    calls.push(`${argv.join(" ")}${opts.stdin ? ` < ${opts.stdin.trim().replaceAll("\n", "; ")}` : ""}`);
    const stdout = argv.includes("-batch") ? `${JSON.stringify([lo])}\n${listed}` : "77\n";
    return Promise.resolve({ argv, code: 0, stdout, stderr: "", durationMs: 0, ...(pid ? { pid } : {}) });
  };
  const look = new SnapshotIpReader(fake(4242, "4242\n99\n"));
  await look.prefetchWithProcesses("web");
  assert.deepEqual((await look.links("web")).map((l) => l.ifname), ["lo"]);
  assert.deepEqual(await look.netnsPids("web"), [99]);
  assert.deepEqual(calls, ["ip -n web -json -details -batch - < addr show; netns pids web"]);
  // A seam that reports no PID (or a list without it): the links are kept, the processes read on their own.
  calls.length = 0;
  for (const [pid, listed] of [[undefined, "4242\n"], [4242, "99\n"]] as const) {
    const other = new SnapshotIpReader(fake(pid, listed));
    await other.prefetchWithProcesses("web");
    assert.equal((await other.link("lo", "web"))?.ifindex, 1);
    assert.deepEqual(await other.netnsPids("web"), [77]);
  }
  assert.deepEqual(calls.filter((c) => c === "ip netns pids web"), ["ip netns pids web", "ip netns pids web"]);
});

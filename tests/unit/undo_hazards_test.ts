import assert from "node:assert/strict";
import { foreignAttachments, type Journaled } from "../../src/engine/undo_hazards.ts";
import type { RevertItem } from "../../src/engine/revert.ts";
import { type IpLink, IpReader } from "../../src/host/mod.ts";
import type { StepState } from "../../src/journal/mod.ts";
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

/**
 * F10: a run is tied to the network namespace it ran in, a link's identity
 * counts its MAC where the kernel never changes it, and a lab refuses a
 * state directory outside its own mounts. Pure parts; the lab test is
 * tests/e2e/journal_netns_test.ts.
 */
import assert from "node:assert/strict";
import { planUndoAll, recordedElsewhere } from "../../src/engine/mod.ts";
import { type IpLink, linkIdentity, sameIdentity } from "../../src/host/mod.ts";
import { foldRuns } from "../../src/journal/mod.ts";
import { parseJournal } from "../support/journal_text.ts";
import { labMountPoints, stateDirOutsideLab } from "../../src/lab/mod.ts";

const AT = "2026-11-30T21:00:00.000Z";
const STEPS = [{ kind: "netns-add", netns: "web" }];
const begin = (run: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    v: 1,
    at: AT,
    kind: "run-begin",
    run,
    recipe: "netns",
    label: run,
    params: {},
    uses: [],
    steps: STEPS,
    bootId: "b1",
    pid: 42,
    ...extra,
  });
const runsOf = (...lines: string[]) => foldRuns(parseJournal(lines.join("\n") + "\n")).runs;
const HERE = { dev: 4, ino: 4026531840 };
const LAB_A = { dev: 4, ino: 4026532501 };

Deno.test("F10: a run recorded in another network namespace is not undone here; one recorded here, or by an earlier version (no namespace), is", () => {
  const [there, here, old] = runsOf(
    begin("there", { netns: LAB_A }),
    begin("here", { netns: HERE }),
    begin("old"),
  );
  assert.deepEqual(there.netns, LAB_A, "the run-begin record's namespace is read back");
  assert.equal(old.netns, undefined);
  assert.equal(
    recordedElsewhere(there, HERE),
    "it was applied in another network namespace (net:[4026532501]), not this one (net:[4026531840]): its links " +
      "and addresses are not here, and the same names and indexes here are other objects",
  );
  assert.equal(recordedElsewhere(here, HERE), undefined);
  assert.equal(recordedElsewhere(old, HERE), undefined, "a journal of the previous version still undoes");
  assert.equal(recordedElsewhere(there, undefined), undefined);
  const plan = planUndoAll([there, here, old], HERE);
  assert.deepEqual(plan.will.map((r) => r.id), ["old", "here"]);
  assert.deepEqual(plan.wont.map((w) => [w.run.id, /another network namespace/.test(w.why)]), [["there", true]]);
});

const ipLink = (ifindex: number, address: string, kind?: string): IpLink =>
  ({
    ifindex,
    ifname: "eth0",
    flags: [],
    mtu: 1500,
    operstate: "UP",
    address,
    ...(kind ? { linkinfo: { info_kind: kind } } : {}),
  }) as IpLink;

Deno.test("F10: a link's MAC is part of its identity for a NIC or veth, not for a bridge or bond whose MAC follows its ports", () => {
  const nic = linkIdentity(ipLink(2, "52:54:00:12:34:56"));
  assert.deepEqual(nic, { type: "link", ifindex: 2, mac: "52:54:00:12:34:56", macStable: true });
  assert.ok(!sameIdentity(nic, linkIdentity(ipLink(2, "02:00:00:00:10:10"))), "another host's eth0, ifindex 2");
  assert.ok(sameIdentity(nic, linkIdentity(ipLink(2, "52:54:00:12:34:56"))));
  const veth = linkIdentity(ipLink(7, "02:00:00:00:10:10", "veth"));
  assert.equal(veth.macStable, true);
  const bridge = linkIdentity(ipLink(5, "02:00:00:00:10:10", "bridge"));
  assert.equal(bridge.macStable, undefined);
  assert.ok(sameIdentity(bridge, linkIdentity(ipLink(5, "02:00:00:00:00:01", "bridge"))), "a bridge's MAC moves");
  assert.equal(linkIdentity(ipLink(6, "02:00:00:00:10:11", "bond")).macStable, undefined);
  // A journal of an earlier version recorded the MAC without the flag: the ifindex decides, as before.
  assert.ok(sameIdentity({ type: "link", ifindex: 2, mac: "52:54:00:12:34:56" }, nic));
  assert.ok(sameIdentity({ type: "link", ifindex: 2, mac: "02:00:00:00:10:10" }, nic));
});

const LAB_MOUNTINFO = [
  "1200 1100 0:60 / / rw,relatime - overlay overlay rw",
  "1300 1200 0:61 / /run rw,relatime - tmpfs nsrecipe-lab-run rw,mode=755",
  "1310 1300 0:4 net:[4026532501] /run/netns/lab-lan rw - nsfs nsfs rw",
  "1400 1200 0:62 / /sys rw,relatime - sysfs nsrecipe-lab-sys rw",
  "1500 1200 8:1 /var/lib /var/lib rw,relatime - ext4 /dev/sda1 rw",
].join("\n");

Deno.test("F10: in a lab, a state directory must be on the lab's own /run; outside a lab any is fine", () => {
  assert.deepEqual(labMountPoints(LAB_MOUNTINFO), ["/run", "/sys"]);
  assert.equal(stateDirOutsideLab(LAB_MOUNTINFO, "/run/nsrecipe"), undefined);
  assert.equal(stateDirOutsideLab(LAB_MOUNTINFO, "/run/nsrecipe/a"), undefined);
  assert.match(
    stateDirOutsideLab(LAB_MOUNTINFO, "/var/lib/nsrecipe/hx") ?? "",
    /^this is a lab, and '\/var\/lib\/nsrecipe\/hx' is on the real host's filesystem, not the lab's own \(\/run, \/sys\)/,
  );
  assert.match(stateDirOutsideLab(LAB_MOUNTINFO, "/runaway/nsrecipe") ?? "", /real host's filesystem/);
  const host = "25 1 8:1 / / rw - ext4 /dev/sda1 rw\n26 25 0:23 / /run rw,nosuid - tmpfs tmpfs rw,mode=755";
  assert.deepEqual(labMountPoints(host), []);
  assert.equal(stateDirOutsideLab(host, "/var/lib/nsrecipe/hx"), undefined);
});

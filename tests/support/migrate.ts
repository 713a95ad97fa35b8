/**
 * full-migrate in a test lab: set a host up as a real one is, migrate,
 * prove traffic while applied, undo and compare snapshots.
 * @module
 */
import assert from "node:assert/strict";
import { IpReader, unsettledAddresses } from "../../src/host/mod.ts";
import type { Snapshot } from "../../src/host/mod.ts";
import { snapshotDiff, type TestLab } from "./lab.ts";
import { assertNothingOpen, journalOf } from "./reliability.ts";

/** Pings `target` once (2 s) from the lab host, or from named netns `netns`. */
export const ping = (lab: TestLab, target: string, netns?: string) =>
  lab.sh([...(netns ? ["ip", "netns", "exec", netns] : []), "ping", "-c", "1", "-W", "2", target]);

/**
 * Runs each command in the lab and fails on the first that fails; then waits
 * (bounded) until the lab host's addresses have settled (new IPv6 addresses
 * get their local route a moment after `ip addr add` returns).
 */
export async function setup(lab: TestLab, cmds: string[][]): Promise<void> {
  for (const c of cmds) {
    const r = await lab.sh(c);
    assert.equal(r.code, 0, `${c.join(" ")}: ${r.stderr}`);
  }
  const ip = new IpReader(lab.runner);
  const until = Date.now() + 5000;
  let unsettled = await unsettledAddresses(ip);
  while (unsettled.length > 0 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 20));
    unsettled = await unsettledAddresses(ip);
  }
  assert.deepEqual(unsettled, [], "the lab's addresses settle");
}

/** `ip [-6] route show ARGS` as trimmed lines. */
export async function routeLines(lab: TestLab, args: string[]): Promise<string[]> {
  const r = await lab.sh(["ip", ...args]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split("\n").map((l) => l.trim()).filter((l) => l !== "");
}

/**
 * Runs full-migrate for namespace `ns` (198.51.100.50/24, 2001:db8:1::50/64)
 * with the given extra options, checks traffic (host -> gateway and each of
 * `hostTargets`; namespace -> gateway, LAN host and each of `nsTargets`),
 * calls `during` while migrated, then undoes, compares with the snapshot
 * taken before and checks that the journal leaves no run open (so a second
 * undo has nothing to do, `assertNothingOpen`).
 */
export async function migrateAndUndo(
  lab: TestLab,
  opts: {
    extra?: string[];
    hostTargets?: string[];
    nsTargets?: string[];
    during?: () => Promise<void>;
    /**
     * Compare addresses that failed DAD apart from the others' order: undo
     * re-adds the moved IPv6 addresses first (IPv6 inserts at the head), ahead
     * of one left alone on the uplink; a disabled address is never a source
     * address candidate, so its place changes nothing (diffSnapshots agrees).
     */
    dadfailedAnywhere?: boolean;
  } = {},
): Promise<void> {
  const before = await lab.snapshot();
  const r = await lab.nsrecipe([
    "run",
    "full-migrate",
    "--name",
    "ns",
    "--address",
    "198.51.100.50/24",
    "--address6",
    "2001:db8:1::50/64",
    ...(opts.extra ?? []),
  ]);
  assert.equal(r.code, 0, r.stderr);
  for (const t of ["198.51.100.1", ...(opts.hostTargets ?? [])]) {
    assert.equal((await ping(lab, t)).code, 0, `host -> ${t} through br0`);
  }
  assert.equal((await ping(lab, "198.51.100.1", "ns")).code, 0, "namespace -> gateway");
  assert.equal((await ping(lab, "198.51.100.20", "ns")).code, 0, "namespace -> other LAN host");
  assert.equal((await ping(lab, "2001:db8:1::20", "ns")).code, 0, "namespace -> other LAN host (IPv6)");
  for (const t of opts.nsTargets ?? []) assert.equal((await ping(lab, t, "ns")).code, 0, `namespace -> ${t}`);
  await opts.during?.();
  const undo = await lab.nsrecipe(["undo"]);
  assert.equal(undo.code, 0, undo.stderr);
  const after = await lab.snapshot();
  const norm = (s: Snapshot): Snapshot =>
    opts.dadfailedAnywhere
      ? {
        ...s,
        addrs: [
          ...s.addrs.filter((a) => !a.flags.includes("dadfailed")),
          ...s.addrs.filter((a) => a.flags.includes("dadfailed")),
        ],
      }
      : s;
  assert.deepEqual(norm(after), norm(before), snapshotDiff(before, after));
  // Nothing left for a second undo: no run open in the journal (what it would read to say "Nothing to undo").
  assertNothingOpen(await journalOf(lab), "full-migrate, then undo");
  assert.equal((await ping(lab, "198.51.100.1")).code, 0, "after undo: host reaches the gateway");
}

/**
 * What the journal knows of the named network namespaces nsrecipe's open
 * runs made: each one's identity and the addresses their steps added in it.
 * A run that plans an address reads every other namespace's addresses; for
 * these it need not enter them (one process each, `ip -n` remounting `/sys`
 * there), so a host with 50 runs is read as fast as one with none.
 *
 * @module
 */
import type { KnownNetns } from "../host/facts.ts";
import { appliedIndexes, isOpen, type RunView } from "./runs.ts";

/**
 * The namespaces open runs made, with the addresses open runs added in them
 * (pure). A namespace counts only when its `netns-add` step is done and its
 * identity was recorded (`netns:NAME`); an address counts while its
 * `addr-add` step may still be applied (intent, done, failed or
 * undo-failed: the kernel may hold it). Addresses someone added inside by
 * hand are not in the journal: the caller relies on a namespace's contents
 * being nsrecipe's own.
 *
 * @param runs Every run, from the journal (`foldRuns`).
 * @returns Name → identity, the run that made it, and addresses (without prefix, e.g. `10.200.0.2`); the
 *   loopback addresses `lo` gets when brought up are left out (no plan can use
 *   a loopback subnet), as are IPv6 link-local ones the kernel adds.
 */
export function knownNetns(runs: readonly RunView[]): Map<string, KnownNetns> {
  const open = runs.filter(isOpen);
  const made = new Map<string, KnownNetns & { addresses: string[] }>();
  for (const r of open) {
    r.steps.forEach((s, i) => {
      if (s.kind !== "netns-add" || r.stepStates[i] !== "done") return;
      const identity = r.identities[`netns:${s.netns}`];
      if (identity?.type === "netns") {
        made.set(s.netns, { identity, addresses: [], run: { id: r.id, label: r.label } });
      }
    });
  }
  for (const r of open) {
    for (const i of appliedIndexes(r)) {
      const s = r.steps[i];
      if (s.kind === "addr-add" && s.netns !== undefined) made.get(s.netns)?.addresses.push(s.addr.local);
    }
  }
  return made;
}

/**
 * The advice for a network namespace name that is taken (one module of its
 * own, without dependencies, so that recipes load nothing more for it).
 *
 * @module
 */
import type { NetnsFact } from "./facts.ts";

/**
 * What to do about a network namespace name that is taken, for `run` and
 * `doctor` (pure): one an applied nsrecipe run made is that run's to undo;
 * another is someone else's.
 * @param fact The namespace as found.
 * @returns e.g. `It belongs to applied run 20261130T234124-913c (web): 'nsrecipe undo web' removes it, or choose
 *   another --name.`
 */
export function netnsTakenHint(fact: NetnsFact): string {
  return fact.madeBy
    ? `It belongs to applied run ${fact.madeBy.id} (${fact.madeBy.label}): 'nsrecipe undo ${fact.madeBy.label}' ` +
      "removes it, or choose another --name."
    : `No applied run of nsrecipe made it: choose another --name, or remove it ('ip netns del ${fact.name}').`;
}

import type { IpNeigh, IpReader } from "../host/ip_json.ts";
import type { NeighSpec } from "./specs.ts";
import type { StepContext } from "./types.ts";

/**
 * Finds a configured (permanent or proxy) neighbour entry on a link.
 * @param ip The reader.
 * @param dev Link name.
 * @param n The entry (matched by address and whether it is a proxy entry).
 * @returns The kernel's entry, or `undefined` when absent (or the link is gone).
 */
export async function findNeigh(ip: IpReader, dev: string, n: NeighSpec): Promise<IpNeigh | undefined> {
  return (await ip.staticNeighbours(undefined, dev)).find((x) => x.dst === n.dst && ("proxy" in x) === !!n.proxy);
}

/**
 * Whether a neighbour step's entry is on its link now (for `presenceChecks` (`presence.ts`)).
 * @param s The step: its link `dev` and its entry `neigh`.
 * @param ctx The step context (its `ip` reader).
 * @returns `true` when {@link findNeigh} finds the entry.
 */
export async function neighIsThere(s: { dev: string; neigh: NeighSpec }, ctx: StepContext): Promise<boolean> {
  return (await findNeigh(ctx.ip, s.dev, s.neigh)) !== undefined;
}

/**
 * Names a neighbour step's entry and its link for a failed check: `["neighbour 10.0.0.1", "on 'br0'"]`.
 * @param s The step: its link `dev` and its entry `neigh`.
 * @returns The entry and its place, as `presenceChecks` (`presence.ts`) takes them.
 */
export function neighWhere(s: { dev: string; neigh: NeighSpec }): [string, string] {
  return [`neighbour ${s.neigh.dst}`, `on '${s.dev}'`];
}

import type { Step, StepKind } from "./types.ts";
import { netnsAdd } from "./netns_add.ts";
import { linkSetUp } from "./link_set_up.ts";
import { vethAdd } from "./veth_add.ts";
import { linkSetNetns } from "./link_set_netns.ts";
import { bridgeAdd } from "./bridge_add.ts";
import { linkSetMaster } from "./link_set_master.ts";
import { addrAdd } from "./addr_add.ts";
import { addrDel } from "./addr_del.ts";
import { routeAdd } from "./route_add.ts";
import { routeDel } from "./route_del.ts";
import { sysctlSet } from "./sysctl_set.ts";
import { natAdd } from "./nat_add.ts";

type KindTable = { [K in Step["kind"]]: StepKind<Extract<Step, { kind: K }>> };

const KINDS: KindTable = {
  "netns-add": netnsAdd,
  "link-set-up": linkSetUp,
  "veth-add": vethAdd,
  "link-set-netns": linkSetNetns,
  "bridge-add": bridgeAdd,
  "link-set-master": linkSetMaster,
  "addr-add": addrAdd,
  "addr-del": addrDel,
  "route-add": routeAdd,
  "route-del": routeDel,
  "sysctl-set": sysctlSet,
  "nat-add": natAdd,
};

/**
 * The behaviour of a step, looked up by its `kind`.
 * @param step Any step.
 * @returns Its {@link StepKind}.
 */
export function kindOf<S extends Step>(step: S): StepKind<S> {
  return KINDS[step.kind] as unknown as StepKind<S>;
}

/**
 * Whether a string names a known step kind (journal records from another
 * version may carry one this version does not know).
 * @param kind A `kind` value read from the journal.
 * @returns `true` when known.
 */
export function isStepKind(kind: string): kind is Step["kind"] {
  return Object.hasOwn(KINDS, kind);
}

/**
 * The exact commands a list of steps will run, in order.
 * @param steps A plan.
 * @returns One argv per command.
 */
export function planCommands(steps: readonly Step[]): string[][] {
  return steps.flatMap((s) => kindOf(s).commands(s));
}

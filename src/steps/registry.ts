/**
 * The list of step kinds: the one place a kind is registered. {@link Step}
 * names every kind's data type, and the table below must hold a behaviour
 * for each of them (its mapped type fails to compile otherwise), so a kind
 * cannot be planned without being applied, verified, reverted and checked
 * when read back from the journal.
 *
 * @module
 */
import type { Captured, StepIssue, StepKind } from "./types.ts";
import type { ObjectId } from "./objects.ts";
import { netnsAdd, type NetnsAddStep } from "./netns_add.ts";
import { linkSetUp, type LinkSetUpStep } from "./link_set_up.ts";
import { vethAdd, type VethAddStep } from "./veth_add.ts";
import { linkSetNetns, type LinkSetNetnsStep } from "./link_set_netns.ts";
import { bridgeAdd, type BridgeAddStep } from "./bridge_add.ts";
import { linkSetMaster, type LinkSetMasterStep } from "./link_set_master.ts";
import { addrAdd, type AddrAddStep } from "./addr_add.ts";
import { addrDel, type AddrDelStep } from "./addr_del.ts";
import { routeAdd, type RouteAddStep } from "./route_add.ts";
import { routeDel, type RouteDelStep } from "./route_del.ts";
import { sysctlSet, type SysctlSetStep } from "./sysctl_set.ts";
import { natAdd, type NatAddStep } from "./nat_add.ts";
import { neighAdd, type NeighAddStep, neighDel, type NeighDelStep } from "./neigh.ts";
import { ruleAdd, type RuleAddStep, ruleDel, type RuleDelStep } from "./rule.ts";
import { linkSysctlSet, type LinkSysctlSetStep } from "./link_sysctl_set.ts";

/** Any step: plain data, written to the journal as is. Switches over `kind` end in a `never` check. */
export type Step =
  | NetnsAddStep
  | LinkSetUpStep
  | VethAddStep
  | LinkSetNetnsStep
  | BridgeAddStep
  | LinkSetMasterStep
  | AddrAddStep
  | AddrDelStep
  | RouteAddStep
  | RouteDelStep
  | SysctlSetStep
  | NatAddStep
  | NeighAddStep
  | NeighDelStep
  | RuleAddStep
  | RuleDelStep
  | LinkSysctlSetStep;

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
  "neigh-add": neighAdd,
  "neigh-del": neighDel,
  "rule-add": ruleAdd,
  "rule-del": ruleDel,
  "link-sysctl-set": linkSysctlSet,
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
 * The object a step creates, which its inverse deletes with everything in
 * it (a kind with {@link StepKind.removes}: a netns, a link it made).
 * @param step Any step.
 * @returns Its object id, e.g. `netns:web`, `link:br0`; `undefined` for a step that creates nothing.
 */
export function madeObject(step: Step): ObjectId | undefined {
  const kind = kindOf(step);
  return kind.removes === true ? kind.object(step) : undefined;
}

/**
 * The named objects a step acts on (see {@link StepKind.refs}).
 * @param step Any step.
 * @returns Object keys, e.g. `["link:eth0", "link:br0"]`.
 */
export function refsOf(step: Step): ObjectId[] {
  const kind = kindOf(step);
  return kind.refs ? kind.refs(step) : [kind.object(step)];
}

/**
 * A step and its captured state with host link names mapped (see {@link StepKind.renamed}).
 * @param step Any step.
 * @param captured What its intent record captured.
 * @param rename Maps a host link name to its current name.
 * @returns Both with names changed; unchanged for kinds that name no host link.
 */
export function renamedStep<S extends Step>(
  step: S,
  captured: Captured,
  rename: (dev: string) => string,
): { step: S; captured: Captured } {
  const kind = kindOf(step);
  return kind.renamed ? kind.renamed(step, captured, rename) : { step, captured };
}

/** Every step kind this version knows, in the registry's order, e.g. `netns-add`, `link-set-up`, …. */
export const STEP_KINDS: readonly Step["kind"][] = Object.keys(KINDS) as Step["kind"][];

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
 * Checks a step read back from the journal against its kind's schema.
 * @param step A JSON value with a string `kind`.
 * @returns The problems found, paths relative to the step; `[]` when it is a
 *   well-formed step of a kind this version knows.
 */
export function stepIssues(step: { kind: string }): StepIssue[] {
  if (!isStepKind(step.kind)) return [{ path: ["kind"], message: `unknown step kind '${step.kind}'` }];
  const r = KINDS[step.kind].schema().safeParse(step);
  return r.success ? [] : r.error.issues;
}

/**
 * The exact commands a list of steps will run, in order.
 * @param steps A plan.
 * @returns One argv per command.
 */
export function planCommands(steps: readonly Step[]): string[][] {
  return steps.flatMap((s) => kindOf(s).commands(s));
}

/**
 * The doctor's checks in order, and the two entry points: {@link runDoctor}
 * (every check, for `nsrecipe doctor`) and {@link runRecipeChecks} (the
 * checks a recipe declares in its {@link HostNeeds}, judged for it, for `run`
 * to call before planning). Pure: they read only the gathered facts.
 *
 * @module
 */
import { PreconditionError } from "../errors.ts";
import { checkDhcp } from "./dhcp.ts";
import { checkForward } from "./forward.ts";
import { checkKernel } from "./kernel.ts";
import { checkManagers } from "./managers.ts";
import { checkBridgeName, checkNetnsName } from "./names.ts";
import { checkPrivileges } from "./privileges.ts";
import { checkIp, checkUnshare } from "./tools.ts";
import type { CheckContext, DoctorFacts, Finding } from "./types.ts";
import type { FactGroup } from "./gather.ts";
import { checkUplink } from "./uplink.ts";
import { checkUplinkRefs } from "./uplink_refs.ts";
import { checkWireless } from "./wireless.ts";

/** A check's id, as doctor reports it. */
export type CheckId =
  | "privileges"
  | "ip"
  | "unshare"
  | "kernel-veth"
  | "kernel-bridge"
  | "uplink"
  | "wireless"
  | "dhcp"
  | "network-manager"
  | "uplink-refs"
  | "forward"
  | "netns-name"
  | "bridge-name";

/** A check: its id and its pure evaluation. */
export interface Check {
  /** The finding's id. */
  id: CheckId;
  /** Evaluates it. */
  evaluate(facts: DoctorFacts, ctx: CheckContext): Finding;
}

/**
 * What a recipe needs of the host, declared by the recipe: the checks `run`
 * runs before planning, and how strictly they judge.
 */
export interface HostNeeds {
  /** The checks that matter for it, e.g. `["privileges", "unshare"]`; they run in doctor's order. */
  checks: readonly CheckId[];
  /** It enslaves the uplink to a bridge (full-migrate): see {@link CheckContext.movesUplink}. */
  movesUplink: boolean;
  /**
   * It wires links (a veth pair, a bridge, NAT): its plan looks at the firewall (nftables), the forwarding
   * settings, the IPv6 policy rules and the addresses held inside other named namespaces, besides the host's
   * links, addresses, routes and named namespaces (`GatherOptions.wiring`). A recipe that only makes a namespace
   * (netns) or nothing (pid-only) reads none of them: three processes, and one per foreign namespace, fewer.
   */
  wires: boolean;
}

/** Every check's evaluation, in the order the doctor reports them; the mapped type refuses a missing id. */
const EVALUATE: { readonly [K in CheckId]: Check["evaluate"] } = {
  "privileges": (f) => checkPrivileges(f),
  "ip": (f) => checkIp(f),
  "unshare": (f) => checkUnshare(f),
  "kernel-veth": (f) => checkKernel("veth", f),
  "kernel-bridge": (f) => checkKernel("bridge", f),
  "uplink": checkUplink,
  "wireless": checkWireless,
  "dhcp": checkDhcp,
  "network-manager": checkManagers,
  "uplink-refs": checkUplinkRefs,
  "forward": checkForward,
  "netns-name": checkNetnsName,
  "bridge-name": checkBridgeName,
};

/** The fact groups each check reads, besides the host's links, addresses and routes; the mapped type refuses a missing id. */
const FACTS_READ: { readonly [K in CheckId]: readonly FactGroup[] } = {
  "privileges": ["procStatus"],
  "ip": ["ipVersion"],
  "unshare": ["unshareVersion"],
  "kernel-veth": ["kernel"],
  "kernel-bridge": ["kernel"],
  "uplink": [],
  "uplink-refs": ["netfilter"],
  "wireless": [],
  "dhcp": [],
  "network-manager": ["managers", "uplinkFiles"],
  "forward": ["netfilter"],
  "netns-name": [],
  "bridge-name": [],
};

/**
 * The fact groups some checks read: what `run` gathers for its recipe's checks.
 * @param checks Check ids, e.g. a recipe's `needs.checks`.
 * @returns The groups, for `gatherDoctorFacts`'s `groups`.
 */
export function factGroupsFor(checks: readonly CheckId[]): Set<FactGroup> {
  return new Set(checks.flatMap((c) => FACTS_READ[c]));
}

/** Every check, in the order the doctor reports them. */
export const CHECKS: readonly Check[] = (Object.keys(EVALUATE) as CheckId[]).map((id) => ({
  id,
  evaluate: EVALUATE[id],
}));

/**
 * Every check, for `nsrecipe doctor`.
 * @param facts Gathered facts.
 * @param ctx Names to check (`--name`, `--bridge`); `movesUplink` is normally unset.
 * @returns One finding per check, in {@link CHECKS} order.
 * @example
 * ```ts ignore
 * const findings = runDoctor(await gatherDoctorFacts(run), { netns: "web" });
 * ```
 */
export function runDoctor(facts: DoctorFacts, ctx: CheckContext = {}): Finding[] {
  return CHECKS.map((c) => c.evaluate(facts, ctx));
}

/**
 * The checks a recipe needs, judged for the run about to start (full-migrate
 * refuses DHCP addresses without `--force`, a bridge or enslaved uplink, no
 * uplink), for `run` to call before planning.
 *
 * @param needs The recipe's {@link HostNeeds}.
 * @param targets What the run touches, from the recipe's parameters: the
 *   netns and bridge names to check, `--force`. The uplink is the one given to
 *   `gatherDoctorFacts`.
 * @param facts Facts gathered with `gatherDoctorFacts(run, { uplink })`.
 * @returns The findings of the needed checks, in {@link CHECKS} order.
 * @example
 * ```ts ignore
 * const targets = recipe.targets(params);
 * const facts = await gatherDoctorFacts(run, { uplink: targets.uplink });
 * const refusal = unfitHostError(runRecipeChecks(recipe.needs, targets, facts));
 * if (refusal) throw refusal;
 * ```
 */
export function runRecipeChecks(
  needs: HostNeeds,
  targets: Omit<CheckContext, "movesUplink">,
  facts: DoctorFacts,
): Finding[] {
  const ctx: CheckContext = { ...targets, movesUplink: needs.movesUplink };
  return CHECKS.filter((c) => needs.checks.includes(c.id)).map((c) => c.evaluate(facts, ctx));
}

/**
 * Whether findings let a run go ahead: no `fail`.
 * @param findings Findings.
 * @returns `true` when none failed.
 */
export function findingsOk(findings: readonly Finding[]): boolean {
  return findings.every((f) => f.verdict !== "fail");
}

/**
 * The error `run` throws when a check the recipe needs failed.
 * @param findings Findings of {@link runRecipeChecks}.
 * @returns A {@link PreconditionError} naming every failed check and its fix,
 *   or `undefined` when none failed.
 */
export function unfitHostError(findings: readonly Finding[]): PreconditionError | undefined {
  const failed = findings.filter((f) => f.verdict === "fail");
  if (failed.length === 0) return undefined;
  return new PreconditionError(
    `The host is not fit for this run:\n  ${failed.map((f) => `${f.id}: ${f.summary}`).join("\n  ")}`,
    failed.map((f) => f.fix).filter((x) => x).join("\n  ") || "See 'nsrecipe doctor'.",
  );
}

/**
 * The doctor's checks in order, which recipes each one matters for, and the
 * two entry points: {@link runDoctor} (every check, for `nsrecipe doctor`)
 * and {@link runPreflight} (the checks a recipe needs, judged for it, for
 * `run` to call before planning). Pure: they read only the gathered facts.
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
import { checkUplink } from "./uplink.ts";
import { checkWireless } from "./wireless.ts";

/**
 * Recipes from the least to the most demanding; each builds on the one
 * before (DESIGN.md), so a check needed by one is needed by those after it.
 */
export const RECIPE_TIERS = ["pid-only", "netns", "veth-bridge", "full-migrate"] as const;

/** One of {@link RECIPE_TIERS}. */
export type RecipeTier = typeof RECIPE_TIERS[number];

/** A check: its id, the first recipe that needs it, and its pure evaluation. */
export interface Check {
  /** The finding's id. */
  id: string;
  /** The least demanding recipe that needs it. */
  from: RecipeTier;
  /** Evaluates it. */
  evaluate(facts: DoctorFacts, ctx: CheckContext): Finding;
}

/** Every check, in the order the doctor reports them. */
export const CHECKS: readonly Check[] = [
  { id: "privileges", from: "pid-only", evaluate: (f) => checkPrivileges(f) },
  { id: "ip", from: "netns", evaluate: (f) => checkIp(f) },
  { id: "unshare", from: "pid-only", evaluate: (f) => checkUnshare(f) },
  { id: "kernel-veth", from: "veth-bridge", evaluate: (f) => checkKernel("veth", f) },
  { id: "kernel-bridge", from: "veth-bridge", evaluate: (f) => checkKernel("bridge", f) },
  { id: "uplink", from: "full-migrate", evaluate: checkUplink },
  { id: "wireless", from: "full-migrate", evaluate: checkWireless },
  { id: "dhcp", from: "full-migrate", evaluate: checkDhcp },
  { id: "network-manager", from: "full-migrate", evaluate: checkManagers },
  { id: "forward", from: "veth-bridge", evaluate: checkForward },
  { id: "netns-name", from: "netns", evaluate: checkNetnsName },
  { id: "bridge-name", from: "veth-bridge", evaluate: checkBridgeName },
];

/**
 * Whether a check matters for a recipe. A recipe not in
 * {@link RECIPE_TIERS} gets every check.
 * @param check The check.
 * @param recipe The recipe's name.
 * @returns `true` when it matters.
 */
export function checkApplies(check: Check, recipe: string): boolean {
  const tier = RECIPE_TIERS.indexOf(recipe as RecipeTier);
  return tier < 0 || RECIPE_TIERS.indexOf(check.from) <= tier;
}

/**
 * Every check, for `nsrecipe doctor`.
 * @param facts Gathered facts.
 * @param ctx Names to check (`--name`, `--bridge`); `recipe` is normally unset.
 * @returns One finding per check, in {@link CHECKS} order.
 * @example
 * ```ts ignore
 * const findings = runDoctor(await gatherDoctorFacts(run), { name: "web" });
 * ```
 */
export function runDoctor(facts: DoctorFacts, ctx: CheckContext = {}): Finding[] {
  return CHECKS.map((c) => c.evaluate(facts, ctx));
}

/**
 * The checks a recipe needs, judged for it (full-migrate refuses DHCP
 * addresses without `--force`, a bridge or enslaved uplink, no uplink), for
 * `run` to call before planning.
 *
 * @param recipe The recipe (only its name is read).
 * @param params Its parsed parameters; `name`, `bridge` and `force` are read
 *   when present. The uplink is the one given to `gatherDoctorFacts`.
 * @param facts Facts gathered with `gatherDoctorFacts(run, { uplink: params.uplink })`.
 * @returns The findings of the checks that apply, in {@link CHECKS} order.
 * @example
 * ```ts ignore
 * const findings = runPreflight(recipe, params, await gatherDoctorFacts(run, { uplink: params.uplink }));
 * const refusal = preflightError(findings);
 * if (refusal) throw refusal;
 * ```
 */
export function runPreflight(
  recipe: { name: string },
  params: Record<string, unknown>,
  facts: DoctorFacts,
): Finding[] {
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  const ctx: CheckContext = {
    recipe: recipe.name,
    name: str(params.name),
    bridge: str(params.bridge),
    force: params.force === true,
  };
  return CHECKS.filter((c) => checkApplies(c, recipe.name)).map((c) => c.evaluate(facts, ctx));
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
 * The error `run` throws when a preflight check failed.
 * @param findings Findings of {@link runPreflight}.
 * @returns A {@link PreconditionError} naming every failed check and its fix,
 *   or `undefined` when none failed.
 */
export function preflightError(findings: readonly Finding[]): PreconditionError | undefined {
  const failed = findings.filter((f) => f.verdict === "fail");
  if (failed.length === 0) return undefined;
  return new PreconditionError(
    `The host is not fit for this run:\n  ${failed.map((f) => `${f.id}: ${f.summary}`).join("\n  ")}`,
    failed.map((f) => f.fix).filter((x) => x).join("\n  ") || "See 'nsrecipe doctor'.",
  );
}

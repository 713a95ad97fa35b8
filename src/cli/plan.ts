import type { Plan, Recipe } from "../../recipes/mod.ts";
// recipes/types.ts, not recipes/mod.ts: that would load every recipe, where run and plan need the one named.
import { GOING_AHEAD } from "../../recipes/types.ts";
import { PreconditionError } from "../errors.ts";
import { gatherFacts } from "../host/mod.ts";
import { kindOf } from "../steps/mod.ts";
import { arpProbeArgv } from "../host/mod.ts";
import { readerFor } from "./composition_root.ts";
import type { Output } from "./output.ts";
import { shellQuote } from "../quote.ts";
import { confirmWindowSeconds, factsToGather, refuseInapplicable } from "./run_rules.ts";
// lab/self.ts, not lab/mod.ts: that would load the lab spec, the subnets and ip-bigint.
import { inOneShotLab } from "../lab/self.ts";

/**
 * Prints a plan: the ARP probes `run` makes first (`Plan.probes`), each step
 * with the exact commands it runs, then how the command or shell is entered.
 * @param recipe The recipe.
 * @param plan Its plan.
 * @param out The output.
 * @param confirmSeconds The confirmation window `run` would open, in seconds; 0 for none.
 */
export function printPlan(recipe: Recipe, plan: Plan, out: Output, confirmSeconds = 0): void {
  out.data({
    confirmSeconds,
    recipe: recipe.name,
    label: plan.label,
    uses: plan.uses,
    notes: plan.notes,
    probes: (plan.probes ?? []).map((x) => ({ ...x, command: arpProbeArgv(x.dev, x.address) })),
    steps: plan.steps.map((s) => ({ step: s, summary: kindOf(s).summary(s), commands: kindOf(s).commands(s) })),
    enter: plan.enter,
  });
  if (plan.probes?.length) {
    out.result("Before the first step, each address is probed on its LAN (a reply means another host holds it):");
    for (const x of plan.probes) out.result(`      ${shellQuote(arpProbeArgv(x.dev, x.address))}`);
  }
  if (plan.steps.length === 0) out.result("No steps: nothing on the host changes.");
  plan.steps.forEach((s, i) => {
    out.result(`${String(i + 1).padStart(2)}. ${kindOf(s).summary(s)}`);
    for (const argv of kindOf(s).commands(s)) out.result(`      ${shellQuote(argv)}`);
  });
  if (plan.uses.length) out.result(`Uses (not owned): ${plan.uses.join(", ")}`);
  if (confirmSeconds > 0) {
    out.result(
      `Then a confirmation window of ${confirmSeconds} s: undone unless confirmed ('yes' at the prompt, or ` +
        "'nsrecipe confirm' from any session).",
    );
  }
  out.result(`Then runs the shell or command with: ${shellQuote(plan.enter)} CMD...`);
  for (const n of plan.notes) out.progress(out.paint("yellow", `Note: ${n}`));
}

/**
 * `nsrecipe plan RECIPE [options]`: reads the host, plans, prints; changes nothing.
 * @param recipe The recipe.
 * @param params Its parsed parameters.
 * @param out The output.
 * @param confirm `--confirm` seconds, 0 for `--no-confirm`, `undefined` when neither was given.
 * @throws {PreconditionError} | {UsageError} From the recipe's planner; a
 *   {PreconditionError} (exit 3) after the plan when `run` would refuse it
 *   unless `--force` (`PreconditionError.waivedByForce`: the plan shown is the
 *   one `--force` applies); a
 *   {UsageError} for `--confirm`/`--no-confirm` where `run` refuses them (a recipe that changes nothing; `--confirm`
 *   in a one-shot lab).
 */
export async function planCommand(
  recipe: Recipe,
  params: Record<string, unknown>,
  out: Output,
  confirm?: number,
): Promise<void> {
  const facts = await gatherFacts(readerFor(out), factsToGather(recipe, params));
  let refusal: PreconditionError | undefined;
  let plan: Plan;
  try {
    plan = recipe.plan(params, facts);
  } catch (e) {
    if (!(e instanceof PreconditionError) || !e.waivedByForce || recipe.targets(params).force === true) throw e;
    // Show what `run --force` would apply, then the refusal `run` would make without it.
    refusal = e;
    const forced = recipe.plan({ ...params, force: true }, facts);
    plan = { ...forced, notes: forced.notes.flatMap((n) => forcedNoteForPlan(n, e)) };
  }
  refuseInapplicable(recipe.name, plan.steps.length, true, { rm: false, confirm });
  // In a one-shot lab (lab -- plan …) as run there: no window, and --confirm refused (run_rules.ts).
  printPlan(recipe, plan, out, plan.steps.length > 0 ? confirmWindowSeconds(recipe, confirm, inOneShotLab()) : 0);
  if (refusal) {
    throw new PreconditionError(
      `'nsrecipe run' refuses this plan unless --force: ${refusal.message}`,
      refusal.hint,
    );
  }
}

/**
 * Words a plan note of a refusal `--force` waived (it ends in
 * {@link GOING_AHEAD}) for `plan` without `--force`: the refusal `plan`
 * reports as its error is left out (said once), another says `run` refuses it.
 * @param note A note of the plan made with `--force`.
 * @param refusal The refusal the plan without `--force` threw.
 * @returns The note as `plan` shows it, or none.
 */
function forcedNoteForPlan(note: string, refusal: PreconditionError): string[] {
  if (!note.endsWith(GOING_AHEAD)) return [note];
  if (note.startsWith(refusal.message)) return [];
  return [`${note.slice(0, -GOING_AHEAD.length)}'nsrecipe run' refuses this too unless --force.`];
}

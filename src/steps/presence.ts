/**
 * The `verify`/`isReverted` pair of a kind that adds or removes one object
 * found by a lookup (a rule in the rule list, a neighbour on a link): an add
 * is verified when the object is there and reverted when it is gone; a
 * delete is the mirror image.
 *
 * @module
 */
import type { StepContext } from "./types.ts";

/** Whether a step leaves its object present (an add) or absent (a delete). */
export type Presence = "present" | "absent";

/**
 * Builds `verify` and `isReverted` from one lookup.
 * @typeParam S The step's data type.
 * @param want `"present"` for a kind that adds the object, `"absent"` for one that deletes it.
 * @param isThere Whether the object is on the host now (reads `ip -json …` through `ctx.ip`).
 * @param where Names the object and its place, e.g. `["rule 100", "in the rule list"]`; the failure reads
 *   `rule 100 is not in the rule list` (add) or `rule 100 is still in the rule list` (delete).
 * @returns `{ verify, isReverted }` to spread into the kind.
 */
export function presenceChecks<S>(
  want: Presence,
  isThere: (step: S, ctx: StepContext) => Promise<boolean>,
  where: (step: S) => [what: string, place: string],
): {
  verify: (step: S, ctx: StepContext) => Promise<string | undefined>;
  isReverted: (step: S, ctx: StepContext) => Promise<boolean>;
} {
  const present = want === "present";
  return {
    async verify(step, ctx) {
      if ((await isThere(step, ctx)) === present) return undefined;
      const [what, place] = where(step);
      return `${what} is ${present ? "not" : "still"} ${place}`;
    },
    async isReverted(step, ctx) {
      return (await isThere(step, ctx)) !== present;
    },
  };
}

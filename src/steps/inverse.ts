/**
 * Kinds whose inverse is plain `ip` commands: one definition gives both the
 * commands (`StepKind.inverse`, which undo may batch) and `revert`, which
 * runs them in order.
 *
 * @module
 */
import type { Captured, StepContext } from "./types.ts";

/**
 * Builds a kind's `inverse` and `revert` from the inverse's commands.
 * @typeParam S The step's data type.
 * @param inverse The inverse's full `ip` argv, in order, from the step and what it captured.
 * @returns `{ inverse, revert }` to spread into the kind; `revert` throws
 *   {@link CommandError} (from the runner) when a command fails.
 * @example
 * ```ts ignore
 * const kind = { ...revertByInverse((s: { dev: string }) => [["ip", "link", "set", "dev", s.dev, "nomaster"]]) };
 * ```
 */
export function revertByInverse<S>(inverse: (step: S, captured: Captured) => string[][]): {
  inverse: (step: S, captured: Captured) => string[][];
  revert: (step: S, ctx: StepContext, captured: Captured) => Promise<void>;
} {
  return {
    inverse,
    async revert(step, ctx, captured) {
      for (const argv of inverse(step, captured)) await ctx.run(argv);
    },
  };
}

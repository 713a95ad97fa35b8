/**
 * The recipe registry.
 * @module
 */
import { UsageError } from "../src/errors.ts";
import { netns } from "./netns.ts";
import { pidOnly } from "./pid_only.ts";
import { vethBridge } from "./veth_bridge.ts";
import { fullMigrate } from "./full_migrate.ts";
import type { Recipe } from "./types.ts";

export type { AddressProbe, ParamsOf, ParamsSchema, Plan, Recipe, RunTargets } from "./types.ts";
export { netnsEnter } from "./netns.ts";

/** Every recipe, in the order `list` shows them. */
export const RECIPES: readonly Recipe[] = [
  pidOnly,
  netns,
  vethBridge,
  fullMigrate,
];

/**
 * Looks a recipe up by name.
 * @param name e.g. `netns`.
 * @returns The recipe.
 * @throws {UsageError} For an unknown name, listing the known ones.
 */
export function recipeByName(name: string): Recipe {
  const r = RECIPES.find((x) => x.name === name);
  if (!r) {
    throw new UsageError(
      `Unknown recipe '${name}'`,
      `Known recipes: ${RECIPES.map((x) => x.name).join(", ")} ('nsrecipe list').`,
    );
  }
  return r;
}

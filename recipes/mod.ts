/**
 * The recipe registry.
 * @module
 */
import { UsageError } from "../src/errors.ts";
import { quote } from "../src/quote.ts";
import { didYouMean } from "../src/suggest.ts";
import { netns } from "./netns.ts";
import { pidOnly } from "./pid_only.ts";
import { vethBridge } from "./veth_bridge.ts";
import { fullMigrate } from "./full_migrate.ts";
import type { Recipe } from "./types.ts";

export type { AddressProbe, ParamsOf, ParamsSchema, Plan, Recipe, RunTargets } from "./types.ts";
export { netnsEnter } from "./enter.ts";
export { natTable } from "./nat_table.ts";
export { GOING_AHEAD } from "./types.ts";

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
  if (!r) throw unknownRecipe(name);
  return r;
}

/**
 * The error for a recipe name that names none, with the closest one.
 * @param name What was given, e.g. `veth-brige`.
 * @returns e.g. "Unknown recipe 'veth-brige' (did you mean veth-bridge?)", listing the recipes in its hint.
 */
export function unknownRecipe(name: string): UsageError {
  const names = RECIPES.map((x) => x.name);
  return new UsageError(
    `Unknown recipe ${quote(name)}${didYouMean(name, names)}`,
    `Known recipes: ${names.join(", ")} ('nsrecipe list').`,
  );
}

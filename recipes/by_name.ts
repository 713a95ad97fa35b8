/**
 * Each recipe by name, loaded alone. `recipes/mod.ts` loads every recipe (with
 * its zod schema, and the subnet, uplink and MAC code the larger ones use);
 * a command that names one recipe (`run netns …`) needs only that one. The
 * names here are the recipes' own `name`s, in `list`'s order (a unit test
 * holds the two equal).
 *
 * @module
 */
import type { Recipe } from "./types.ts";

/** Loaders of the recipes, by name (`pid-only`, `netns`, `veth-bridge`, `full-migrate`). */
export const RECIPE_LOADERS: Readonly<Record<string, () => Promise<Recipe>>> = {
  "pid-only": async () => (await import("./pid_only.ts")).pidOnly as Recipe,
  netns: async () => (await import("./netns.ts")).netns as Recipe,
  "veth-bridge": async () => (await import("./veth_bridge.ts")).vethBridge as Recipe,
  "full-migrate": async () => (await import("./full_migrate.ts")).fullMigrate as Recipe,
};

/**
 * The recipe registry.
 * @module
 */
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

import assert from "node:assert/strict";
import { RECIPE_LOADERS } from "../../recipes/by_name.ts";
import { RECIPES } from "../../recipes/mod.ts";

Deno.test("RECIPE_LOADERS names every recipe in list's order, and each loads that very recipe", async () => {
  assert.deepEqual(Object.keys(RECIPE_LOADERS), RECIPES.map((r) => r.name));
  for (const recipe of RECIPES) assert.equal(await RECIPE_LOADERS[recipe.name](), recipe, recipe.name);
});

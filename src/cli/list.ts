import { RECIPES } from "../../recipes/mod.ts";
import type { Output } from "./output.ts";

/**
 * `nsrecipe list`: the recipes, one line each.
 * @param out The output.
 */
export function listCommand(out: Output): void {
  out.data(RECIPES.map((r) => ({ name: r.name, summary: r.summary })));
  for (const r of RECIPES) out.result(`${r.name.padEnd(14)} ${r.summary}`);
}

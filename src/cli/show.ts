import { type Recipe, recipeByName } from "../../recipes/mod.ts";
import type { Output } from "./output.ts";
import { shellQuote } from "../quote.ts";
import { fieldsOf } from "./recipe_options.ts";

/**
 * `nsrecipe show RECIPE`: what a recipe does and its options.
 * @param name Recipe name.
 * @param out The output.
 * @throws {UsageError} For an unknown recipe.
 */
export function showCommand(name: string, out: Output): void {
  const r = recipeByName(name);
  const fields = fieldsOf(r.params);
  out.data({ name: r.name, summary: r.summary, description: r.description, options: fields });
  out.result(`${r.name}: ${r.summary}\n\n${r.description}\n`);
  out.result(fields.length ? "Options:" : "Options: none");
  for (const f of fields) {
    out.result(`  ${(f.flag + (f.boolean ? "" : ` <${f.placeholder}>`)).padEnd(28)} ${f.description}`);
  }
  out.result(`\nExample: ${shellQuote(exampleArgv(r))}   (shows the exact commands; changes nothing)`);
}

/**
 * The example command `show` prints: `plan` with the recipe's example options.
 * @param r The recipe.
 * @returns e.g. `["nsrecipe", "plan", "full-migrate", "--name", "lan", "--address", "198.51.100.50/24"]`.
 */
export function exampleArgv(r: Recipe): string[] {
  return ["nsrecipe", "plan", r.name, ...(r.example ?? [])];
}

import { type Recipe, RECIPES } from "../../recipes/mod.ts";
import { recipeWordError } from "./recipe_words.ts";
import type { Output } from "./output.ts";
import { shellQuote } from "../quote.ts";
import { fieldsOf, optionHelp } from "./recipe_options.ts";
import { outputWidth, wrapItem, wrapProse, wrapText } from "./wrap.ts";

/**
 * `nsrecipe show RECIPE`: what a recipe does and its options.
 * @param name Recipe name.
 * @param out The output.
 * @throws {UsageError} For an unknown recipe.
 */
export function showCommand(name: string, out: Output): void {
  const r = RECIPES.find((x) => x.name === name);
  if (!r) throw recipeWordError("show", name, RECIPES);
  out.data({ name: r.name, summary: r.summary, description: r.description, options: fieldsOf(r.params) });
  for (const line of showLines(r, outputWidth())) out.result(line);
}

/**
 * What `show` prints for a recipe, wrapped to a width as `--help` is
 * (`wrap.ts`): the summary and the description as prose, each option as
 * `--help` lays one out (its description under its first column), and the
 * example command on a line of its own, never wrapped, to copy.
 * @param r The recipe.
 * @param width The width in columns (`outputWidth()`: the terminal's, else 80).
 * @returns The lines.
 */
export function showLines(r: Recipe, width: number): string[] {
  const fields = fieldsOf(r.params);
  return [
    ...wrapProse(`${r.name}: ${r.summary}`, width),
    "",
    ...wrapText(r.description, width),
    "",
    fields.length ? "Options:" : "Options: none",
    ...fields.flatMap((f) =>
      wrapItem(`  ${(f.flag + (f.boolean ? "" : ` <${f.placeholder}>`)).padEnd(28)} `, optionHelp(f), width)
    ),
    "",
    "Example (shows the exact commands; changes nothing):",
    `  ${shellQuote(exampleArgv(r))}`,
  ];
}

/**
 * The example command `show` prints: `plan` with the recipe's example options.
 * @param r The recipe.
 * @returns e.g. `["nsrecipe", "plan", "full-migrate", "--name", "lan", "--address", "198.51.100.50/24"]`.
 */
export function exampleArgv(r: Recipe): string[] {
  return ["nsrecipe", "plan", r.name, ...(r.example ?? [])];
}

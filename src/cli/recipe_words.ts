/**
 * The recipe word of `plan`, `run` and `rehearse`, checked before commander
 * parses the rest: commander would otherwise report the first option after an
 * unknown recipe (`run veth-brige --name x` → "Unknown option '--name'"),
 * sending the admin after the wrong word. Pure.
 *
 * @module
 */
import type { Recipe } from "../../recipes/mod.ts";
import { UsageError } from "../errors.ts";
import { quote } from "../quote.ts";
import { didYouMean } from "../suggest.ts";
import { fieldsOf } from "./recipe_options.ts";

/** The commands whose first operand is a recipe. */
const RECIPE_COMMANDS: ReadonlySet<string> = new Set(["plan", "run", "rehearse"]);

/**
 * Refuses an unknown recipe name after `plan`/`run`/`rehearse` whatever
 * follows it, and a recipe option the named recipe does not take but another
 * does (`run pid-only --name x`).
 * @param args nsrecipe's arguments, from the command word on, e.g. `["run", "veth-brige", "--name", "x"]`.
 * @param recipes The recipes.
 * @throws {UsageError} "Unknown recipe 'veth-brige' (did you mean veth-bridge?)", or
 *   "pid-only takes no --name", with the options it takes.
 */
export function checkRecipeWords(args: readonly string[], recipes: readonly Recipe[]): void {
  const [command, name] = args;
  if (!RECIPE_COMMANDS.has(command) || name === undefined || name.startsWith("-")) return;
  const recipe = recipes.find((r) => r.name === name);
  if (!recipe) throw recipeWordError(command, name, recipes);
  const own = new Set(fieldsOf(recipe.params).map((f) => f.flag));
  const others = new Set(recipes.flatMap((r) => fieldsOf(r.params).map((f) => f.flag)));
  const end = args.indexOf("--");
  for (const word of args.slice(2, end < 0 ? undefined : end)) {
    const flag = word.split("=")[0];
    if (others.has(flag) && !own.has(flag)) {
      const takes = [...own];
      throw new UsageError(
        `${recipe.name} takes no ${flag}`,
        `${
          takes.length ? `Its options: ${takes.join(", ")}` : "It takes no recipe options"
        }; see 'nsrecipe show ${recipe.name}'.`,
      );
    }
  }
}

/**
 * The usage error of `plan`/`run`/`rehearse`/`show` without a recipe or with an
 * unknown one: the closest recipe, the short usage and the recipes (the one
 * wording for every command that takes a recipe).
 * @param command `plan`, `run`, `rehearse` or `show`.
 * @param name The word given, or `undefined` for none.
 * @param recipes The recipes.
 * @returns e.g. "Unknown recipe 'veth-brige' (did you mean veth-bridge?).", then the usage lines.
 */
export function recipeWordError(command: string, name: string | undefined, recipes: readonly Recipe[]): UsageError {
  const names = recipes.map((r) => r.name);
  const options = command === "show" ? "" : " [options]";
  const usage = `Usage: nsrecipe ${command} RECIPE${options}${command === "run" ? " [-- CMD...]" : ""}\nRecipes: ${
    names.join(", ")
  }`;
  return new UsageError(
    name === undefined
      ? `No recipe given.\n${usage}`
      : `Unknown recipe ${quote(name)}${didYouMean(name, names)}.\n${usage}`,
    command === "show" ? "Try 'nsrecipe list'." : `Try 'nsrecipe ${command} RECIPE --help' or 'nsrecipe list'.`,
  );
}

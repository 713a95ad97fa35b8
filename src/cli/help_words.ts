/**
 * The words of a command position, checked before commander parses them:
 * an unknown command (`nsrecipe stauts`, `nsrecipe help stauts`) is told in
 * one wording, its suggestion taken from the commands alone (never from the
 * recipes, whose own position has its own error, `recipe_words.ts`); and
 * `help` takes what its usage line says, `help [COMMAND [RECIPE]]`: a
 * RECIPE only after a command whose subcommands are the recipes. Pure.
 *
 * @module
 */
import { UsageError } from "../errors.ts";
import { listed, quote } from "../quote.ts";
import { didYouMean } from "../suggest.ts";

/**
 * The usage error of a word in a command position that names no command.
 * @param word What was typed, e.g. `stauts`.
 * @param commands The commands `--help` lists, in its order, e.g. `["list", "show", …, "help"]`.
 * @returns "Unknown command 'stauts' (did you mean status?). Commands: list, show, …", hint "Try 'nsrecipe --help'.".
 * @example
 * ```ts
 * unknownCommandError("stauts", ["list", "status"]).message;
 * // "Unknown command 'stauts' (did you mean status?). Commands: list, status"
 * ```
 */
export function unknownCommandError(word: string, commands: readonly string[]): UsageError {
  return new UsageError(
    `Unknown command ${quote(word)}${didYouMean(word, commands)}. Commands: ${commands.join(", ")}`,
    "Try 'nsrecipe --help'.",
  );
}

/**
 * Refuses what `help [COMMAND [RECIPE]]` does not take: an unknown COMMAND,
 * a RECIPE after a command that has none (`help status netns`), or a word
 * more (`help run netns x`). Words starting with `-` are left to commander
 * (`help --help` is the top-level help). An unknown RECIPE is
 * `recipe_words.ts`'s to tell ("Unknown recipe …", among the recipes).
 * @param words The words after `help`, e.g. `["run", "veth-bridge"]`.
 * @param commands The commands `--help` lists (see {@link unknownCommandError}).
 * @param recipeParents The commands whose subcommands are the recipes (`plan`, `run`, `rehearse`).
 * @throws {UsageError} Naming the word and what `help` takes there.
 * @example
 * ```ts
 * checkHelpWords(["run", "veth-bridge"], ["run", "status"], new Set(["run"])); // fine
 * checkHelpWords(["status", "netns"], ["run", "status"], new Set(["run"])); // throws: 'status' has no recipes
 * ```
 */
export function checkHelpWords(
  words: readonly string[],
  commands: readonly string[],
  recipeParents: ReadonlySet<string>,
): void {
  const [command, recipe, ...more] = words;
  if (command === undefined || command.startsWith("-")) return;
  if (!commands.includes(command)) throw unknownCommandError(command, commands);
  const usage = "usage: nsrecipe help [COMMAND [RECIPE]]";
  if (recipe !== undefined && !recipe.startsWith("-") && !recipeParents.has(command)) {
    throw new UsageError(
      `${quote(command)} has no recipes: 'help COMMAND RECIPE' is for ${listed([...recipeParents])} (${usage})`,
      `Try 'nsrecipe help ${command}'.`,
    );
  }
  if (more.length > 0 && !more[0].startsWith("-")) {
    throw new UsageError(
      `Too many arguments for 'help': ${more.map(quote).join(" ")} (${usage})`,
      `Try 'nsrecipe help ${command} ${recipe}'.`,
    );
  }
}

/**
 * The fast path: a command line `fast_parse.ts` reads without commander (an
 * ordinary one of a plain command, `plan RECIPE` or `run RECIPE`) runs here,
 * through the same actions as commander's program (`plain_commands.ts`,
 * `recipe_commands.ts`), its errors told and its
 * `--json` document written as `program.ts` does. Nothing here imports
 * commander.
 *
 * @module
 */
import { RECIPE_LOADERS } from "../../recipes/by_name.ts";
import type { Recipe } from "../../recipes/mod.ts";
import { EXIT } from "../errors.ts";
import type { PlainCommandLine, RecipeCommandLine } from "./command_spec.ts";
import { parsePlainCommandLine, parseRecipeCommandLine, recipeWordOf } from "./fast_parse.ts";
import type { JsonError, Output } from "./output.ts";
import { runPlainCommand } from "./plain_commands.ts";
import { errorDocument, finishInvocation, reportError, stateDirOf } from "./report.ts";

/** A command line the fast path reads: a plain command's, or `plan`/`run RECIPE`'s with the recipe it names. */
export type FastLine = { plain: PlainCommandLine } | { recipe: Recipe; line: RecipeCommandLine };

/**
 * Reads a command line without commander, when it is one the fast path reads
 * (for `plan`/`run`, the recipe named is loaded first: its options are the
 * recipe's schema's).
 * @param args nsrecipe's arguments.
 * @returns What commander would parse, or `undefined` when the line is commander's.
 */
export async function readFastLine(args: readonly string[]): Promise<FastLine | undefined> {
  const plain = parsePlainCommandLine(args);
  if (plain) return { plain };
  const word = recipeWordOf(args);
  if (word === undefined || !Object.hasOwn(RECIPE_LOADERS, word.recipe)) return undefined;
  const recipe = await RECIPE_LOADERS[word.recipe]();
  const { fieldsOf } = await import("./recipe_options.ts");
  const line = parseRecipeCommandLine(args, { name: recipe.name, fields: fieldsOf(recipe.params) });
  return line && { recipe, line };
}

/**
 * Runs a command line on the fast path, when it is one the fast path reads.
 * @param args nsrecipe's arguments.
 * @returns The process exit code (see README.md, "Exit codes"); `undefined`
 *   when the line is commander's (nothing was run, nothing printed).
 */
export async function runFastPath(args: readonly string[]): Promise<number | undefined> {
  const read = await readFastLine(args);
  if (read === undefined) return undefined;
  if ("plain" in read) {
    const { plain } = read;
    return await invoke(args, plain.globals.json === true, async (started) => await runPlainCommand(plain, started));
  }
  const { runRecipeCommand } = await import("./recipe_commands.ts");
  return await invoke(
    args,
    read.line.globals.json === true,
    async (started) => await runRecipeCommand(read.line, read.recipe, args, started),
  );
}

/**
 * One invocation: the command, then its error (if any) on stderr, and the
 * `--json` document, as `program.ts` ends a command commander parsed.
 * @param args nsrecipe's arguments (for the state directory its advice names).
 * @param json Whether `--json` was given.
 * @param command Runs the command; tells `started` its output as soon as it exists; returns the exit code.
 * @returns The process exit code.
 */
async function invoke(
  args: readonly string[],
  json: boolean,
  command: (started: (out: Output) => void) => Promise<number>,
): Promise<number> {
  let current: Output | undefined;
  let code: number = EXIT.ok;
  let failure: JsonError | undefined;
  try {
    code = await command((out) => {
      current = out;
    });
  } catch (e) {
    code = reportError(e, stateDirOf(args));
    failure = errorDocument(e);
  }
  return finishInvocation(current, json, code, failure, args);
}

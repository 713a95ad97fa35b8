/**
 * The fast path of the command line: an ordinary command line of a plain
 * command (`status`, `undo`, `journal`, `confirm`, `exec`, `doctor`, …) or of
 * `plan RECIPE` / `run RECIPE` (see `command_spec.ts`) is parsed with node:util's `parseArgs`
 * (Node's own parser; node:util is loaded anyway, for `Output`'s colours)
 * instead of commander, whose import boots Deno's Node compatibility layer
 * (node:fs, node:child_process, node:events): about 15 ms of CPU on every
 * command.
 *
 * It accepts only what it can read exactly as commander would, and defers
 * everything else (returns `undefined`) to `program.ts`: help and version
 * flags, short options (`-f FILE` too), `--` (but for the command of `exec` and `run RECIPE`),
 * an option given twice, an unknown option, a command's own option before its
 * command word (or recipe), a missing value, a value that starts with a dash
 * or is empty, an operand too many. A unit test
 * (tests/unit/fast_parse_test.ts) holds it to commander's reading on a large
 * generated corpus of hostile command lines.
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  defaultsOf,
  GLOBAL_OPTIONS,
  keyOf,
  type OptionSpec,
  PLAIN_COMMANDS,
  type PlainCommandLine,
  type PlainCommandName,
  type RecipeCommandLine,
  type RecipeCommandName,
  recipeCommandOptions,
} from "./command_spec.ts";

/** A recipe's option as the fast path reads it (`recipe_options.ts`'s `FieldInfo`, in part). */
export interface RecipeField {
  /** The schema key commander stores its value under, e.g. `bridgeAddress`. */
  key: string;
  /** The option, e.g. `--bridge-address`. */
  flag: string;
  /** A flag without a value. */
  boolean: boolean;
}

/** An option as the reader below takes it: where its value goes, whether it takes one, whether it negates. */
interface Known {
  key: string;
  value: boolean;
  negated: boolean;
}

/** What {@link readLine} read. */
interface Read {
  /** The command's own options given (commander's `cmd.opts()` without defaults). */
  opts: Record<string, string | boolean>;
  /** The global options, defaults included. */
  globals: Record<string, string | boolean>;
  /** The operands after the command word and before `--`. */
  operands: string[];
  /** What follows `--`. */
  inside: string[];
  /** The long options given, without dashes (e.g. `shell`). */
  given: Set<string>;
}

/**
 * Parses a plain command line without commander, or declines to.
 * @param args nsrecipe's arguments, e.g. `["--state-dir", "/run/x", "status", "web", "--quick"]`.
 * @returns What commander would parse, or `undefined` when the line is not a
 *   plain command's or not an ordinary one (commander then parses it, and
 *   prints its help or its error).
 */
export function parsePlainCommandLine(args: readonly string[]): PlainCommandLine | undefined {
  const at = commandIndex(args);
  if (at === undefined || !Object.hasOwn(PLAIN_COMMANDS, args[at])) return undefined;
  const spec = PLAIN_COMMANDS[args[at] as PlainCommandName];
  const read = readLine(args, at, at + 1, known(spec.options), spec.inside !== undefined);
  const required = spec.operands.filter((o) => o.term.startsWith("<")).length;
  if (read === undefined || read.operands.length < required || read.operands.length > spec.operands.length) {
    return undefined;
  }
  return {
    command: spec.name,
    operands: read.operands,
    opts: { ...defaultsOf(spec.options), ...read.opts },
    inside: read.inside,
    globals: read.globals,
  };
}

/**
 * The recipe a `plan` or `run` command line names right after its command
 * word, for the fast path to load before it parses the rest.
 * @param args nsrecipe's arguments, e.g. `["run", "netns", "--name", "web"]`.
 * @returns The command and the word after it (e.g. `{ command: "run", recipe: "netns" }`), or `undefined`.
 */
export function recipeWordOf(args: readonly string[]): { command: RecipeCommandName; recipe: string } | undefined {
  const at = commandIndex(args);
  if (at === undefined || (args[at] !== "plan" && args[at] !== "run") || args[at + 1] === undefined) return undefined;
  return { command: args[at], recipe: args[at + 1] };
}

/**
 * Parses a `plan RECIPE` or `run RECIPE` command line without commander, or declines to.
 * @param args nsrecipe's arguments.
 * @param recipe The recipe's name and options, for the recipe {@link recipeWordOf} found.
 * @returns What commander would parse, or `undefined` (commander then parses it).
 */
export function parseRecipeCommandLine(
  args: readonly string[],
  recipe: { name: string; fields: readonly RecipeField[] },
): RecipeCommandLine | undefined {
  const word = recipeWordOf(args);
  if (word === undefined || word.recipe !== recipe.name) return undefined;
  const at = commandIndex(args) as number;
  const own = recipeCommandOptions(word.command);
  const options = known(own);
  for (const f of recipe.fields) options.set(f.flag.slice(2), { key: f.key, value: !f.boolean, negated: false });
  options.set("file", { key: "file", value: true, negated: false });
  const read = readLine(args, at, at + 2, options, word.command === "run");
  // The recipe is the one operand: anything else before `--` is commander's (stray words, a second recipe).
  if (read === undefined || read.operands.length !== 1) return undefined;
  return {
    command: word.command,
    recipe: recipe.name,
    opts: { ...defaultsOf(own), ...read.opts },
    shellGiven: read.given.has("shell"),
    inside: read.inside,
    globals: read.globals,
  };
}

/**
 * The options as {@link readLine} takes them, by long name without dashes.
 * @param options The options' specs.
 * @returns A map the caller may add to.
 */
function known(options: readonly OptionSpec[]): Map<string, Known> {
  return new Map(
    options.map((
      o,
    ) => [o.long.slice(2), { key: keyOf(o), value: o.value !== undefined, negated: o.long.startsWith("--no-") }]),
  );
}

/**
 * Reads a command line: global options anywhere before `--`, the command's
 * own from `ownFrom` on, operands after the command word.
 * @param args nsrecipe's arguments.
 * @param at The command word's index.
 * @param ownFrom The first index where the command's own options may stand.
 * @param own The command's own options.
 * @param dashes Whether `--` may end the options (what follows is the command's, in `inside`).
 * @returns What it read, or `undefined` when the line is not an ordinary one.
 */
function readLine(
  args: readonly string[],
  at: number,
  ownFrom: number,
  own: ReadonlyMap<string, Known>,
  dashes: boolean,
): Read | undefined {
  const global = known(GLOBAL_OPTIONS);
  const options: Record<string, { type: "string" | "boolean" }> = {};
  for (const [name, o] of [...global, ...own]) options[name] = { type: o.value ? "string" : "boolean" };
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: true, tokens: true });
  } catch {
    return undefined; // an unknown option, a flag with a value, a missing value: commander says what is wrong
  }
  const read: Read = { opts: {}, globals: defaultsOf(GLOBAL_OPTIONS), operands: [], inside: [], given: new Set() };
  let terminated = false;
  for (const token of parsed.tokens) {
    if (token.kind === "option-terminator") {
      if (!dashes) return undefined;
      terminated = true;
    } else if (token.kind === "positional") {
      if (terminated) read.inside.push(token.value);
      else if (token.index < at) return undefined; // e.g. `-` before the command word: commander's command word
      else if (token.index > at) read.operands.push(token.value);
    } else {
      // A short option (-h, -V, -f, combined ones) or one given twice.
      if (!token.rawName.startsWith("--") || read.given.has(token.name)) return undefined;
      read.given.add(token.name);
      const mine = own.get(token.name);
      if (mine && token.index < ownFrom) return undefined; // commander reads it as its parent's (unknown) option
      const o = (mine ?? global.get(token.name)) as Known;
      const value = token.value;
      if (o.value && (value === undefined || value === "" || value.startsWith("-"))) return undefined;
      (mine ? read.opts : read.globals)[o.key] = o.value ? value as string : !o.negated;
    }
  }
  return read;
}

/**
 * Where the command word is: the first argument that is not an option and not
 * the value of a global option that takes one (`--state-dir DIR`).
 * @param args nsrecipe's arguments.
 * @returns Its index, or `undefined` when there is none.
 */
function commandIndex(args: readonly string[]): number | undefined {
  const valued = new Set(GLOBAL_OPTIONS.filter((o) => o.value !== undefined).map((o) => o.long as string));
  for (let i = 0; i < args.length; i++) {
    if (valued.has(args[i])) i++;
    else if (!args[i].startsWith("-")) return i;
  }
  return undefined;
}

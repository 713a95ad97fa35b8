/**
 * The command line (commander with extra-typings): parses arguments, builds
 * the context, calls one subcommand, maps errors to exit codes and messages.
 *
 * @module
 */
import { type Argument, Command, CommanderError, Help, Option } from "@commander-js/extra-typings";
import type { Recipe } from "../../recipes/mod.ts";
import { EXIT, UsageError } from "../errors.ts";
import { quote, sanitize, shellQuote } from "../quote.ts";
import { DEFAULT_LAB, LAB_INIT_COMMAND } from "../lab/defaults.ts";
import { type JsonError, Output } from "./output.ts";
import {
  flagsOf,
  GLOBAL_OPTIONS,
  type OptionSpec,
  PLAIN_COMMANDS,
  type PlainCommandLine,
  type PlainCommandName,
  type RecipeCommandName,
  recipeCommandOptions,
} from "./command_spec.ts";
import { actOnHost, readGlobals, refuseDryRun } from "./globals.ts";
import { runPlainCommand } from "./plain_commands.ts";
import { readParamFile, runRecipeCommand } from "./recipe_commands.ts";
import { errorDocument, finishInvocation, reportError, stateDirOf } from "./report.ts";
import { addRecipeOptions, fieldsOf } from "./recipe_options.ts";
import { refuseRepeatedOptions } from "./repeated_options.ts";
import { missingValueOf, refuseOptionsAsValues } from "./option_values.ts";
import { neededArgument, operandsErrorOf, operandTerm, usageLine, usageTerm } from "./usage_line.ts";
import { RECIPE_LOADERS } from "../../recipes/by_name.ts";
import { adviseWithStateDir } from "./advice.ts";
import { checkHelpWords, unknownCommandError } from "./help_words.ts";
import { outputWidth, wrapProse } from "./wrap.ts";
import { REHEARSE_INNER_COMMAND, VERSION, WATCHDOG_COMMAND } from "./hidden.ts";

// Startup loads only what the command given needs: each subcommand's module is imported when its action
// runs, and the recipes (with their schemas) only for a command that names a recipe: the one it names when
// that is all it needs (recipeAlone), else all of them.

/** Commands that never name a recipe: for them the recipes are not loaded. */
const WITHOUT_RECIPES = new Set([
  "undo",
  "confirm",
  "status",
  "doctor",
  "journal",
  "lab",
  "exec",
  "shell",
  LAB_INIT_COMMAND,
  WATCHDOG_COMMAND,
]);

/**
 * The subcommand word of an argument list: the first argument that is
 * neither a global option nor the value of `--state-dir`.
 * @param args nsrecipe's arguments.
 * @returns e.g. `status`; `undefined` when there is none.
 */
function commandWord(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--state-dir") i++;
    else if (!args[i].startsWith("-")) return args[i];
    else if (args[i] === "--") return undefined;
  }
  return undefined;
}

/**
 * The recipes, when the command given may name one (`help` among them, or a
 * word that is no command); `[]` otherwise.
 * @param args nsrecipe's arguments.
 * @returns The recipes.
 */
async function recipesFor(args: readonly string[]): Promise<readonly Recipe[]> {
  const word = commandWord(args);
  if (word !== undefined && WITHOUT_RECIPES.has(word)) return [];
  const alone = word !== undefined && RECIPE_PARENTS.has(word)
    ? await recipeAlone(args, args.indexOf(word))
    : undefined;
  return alone ? [alone] : (await import("../../recipes/mod.ts")).RECIPES;
}

/**
 * The recipe that `plan`, `run` or `rehearse` names, loaded alone, when the
 * command line needs no other: not for help (it lists every recipe), and not
 * when an option after the recipe is not one of the recipe's own (another
 * recipe may take it: `checkRecipeWords` then names the recipe that does,
 * and an unknown one is reported among all recipes' options, as before).
 * @param args nsrecipe's arguments.
 * @param at The index of the command word.
 * @returns The recipe, or `undefined` when every recipe is needed.
 */
async function recipeAlone(args: readonly string[], at: number): Promise<Recipe | undefined> {
  const name = args[at + 1];
  const dashes = args.indexOf("--");
  const options = dashes < 0 ? args : args.slice(0, dashes);
  if (name === undefined || !Object.hasOwn(RECIPE_LOADERS, name)) return undefined;
  if (options.some((a) => a === "-h" || a === "--help")) return undefined;
  const recipe = await RECIPE_LOADERS[name]();
  const own = new Set(fieldsOf(recipe.params).map((f) => f.flag));
  return options.slice(at + 2).every((w) => !w.startsWith("-") || own.has(w.split("=")[0])) ? recipe : undefined;
}

/**
 * The command to run inside, from the words commander collected for
 * `run RECIPE [command...]`: only what follows the first `--` of the
 * arguments is a command. A word before it is a mistake that would otherwise
 * run something else (`run netns ping --name w4 -- true` would run
 * `ping true`), so it is refused with the fix.
 *
 * Commander is told to pass unknown options through (allowUnknownOption) so
 * that `run netns --name w1 ip -br a` reaches this check instead of failing
 * on `-br`; an unknown option that comes first is reported as commander
 * would.
 *
 * @param words What commander collected: operands, then unknown options and
 *   everything after the first of them.
 * @param args All of nsrecipe's arguments.
 * @param cmd The `run RECIPE` command (for its name and unknown-option error).
 * @param usage How the message names the command, e.g. `run netns` or `exec web`.
 * @returns The command after `--`, or `[]`.
 * @throws {UsageError} Naming the first stray word, with the command line that was meant.
 */
function commandAfterDashes(
  words: string[],
  args: string[],
  cmd: Command<any, any, any>,
  usage = `run ${cmd.name()}`,
): string[] {
  const dashes = args.indexOf("--");
  const after = dashes < 0 ? [] : args.slice(dashes + 1);
  const stray = words.slice(0, words.length - after.length);
  const tail = words.slice(words.length - after.length);
  if (stray.length === 0 && tail.every((w, i) => w === after[i])) return after;
  const unknown = stray.filter((w) => w !== "--");
  if (unknown[0]?.startsWith("-")) {
    // Commander's own message, with its "Did you mean" suggestion; it throws once unknown options are refused.
    cmd.allowUnknownOption(false);
    (cmd as unknown as { unknownOption(flag: string): never }).unknownOption(unknown[0]);
  }
  const meant = [...unknown, ...after];
  const typed = withoutStrayWords(dashes < 0 ? args : args.slice(0, dashes), unknown, cmd);
  throw new UsageError(
    `Unexpected ${unknown.length > 1 ? "words" : "word"} ${
      unknown.map((w) => `'${w}'`).join(" ")
    } after '${usage}': a command to run inside goes after '--'`,
    `For example: nsrecipe ${shellQuote([...typed, "--", ...(meant.length > 0 ? meant : ["CMD"])])}`,
  );
}

/**
 * The admin's words before `--` without the stray ones, so that the command
 * line suggested keeps every option typed (`run netns ping --name w -- true`
 * → `run netns --name w`). The stray words are found from the end, in order,
 * never taking the value of an option that takes one (`--name ip ip -br a`
 * keeps `--name ip`).
 *
 * @param before The arguments before the first `--`.
 * @param stray The stray words, in the order given.
 * @param cmd The command (its options, and its parents', say which take a value).
 * @returns `before` without the stray words.
 */
function withoutStrayWords(before: readonly string[], stray: readonly string[], cmd: Command<any, any, any>): string[] {
  const options: { short?: string; long?: string; required: boolean; optional: boolean }[] = [];
  for (let c: Command<any, any, any> | null = cmd; c; c = c.parent) options.push(...c.options);
  const takesValue = (word: string | undefined) =>
    word !== undefined && options.some((o) => (o.long === word || o.short === word) && (o.required || o.optional));
  const dropped = new Set<number>();
  let s = stray.length - 1;
  for (let i = before.length - 1; i >= 0 && s >= 0; i--) {
    if (before[i] === stray[s] && !takesValue(before[i - 1])) {
      dropped.add(i);
      s--;
    }
  }
  return before.filter((_, i) => !dropped.has(i));
}

/** The commands in one line each, as README's "Command line" section shows them (a unit test holds the two equal). */
export const SYNOPSIS: readonly string[] = [
  "nsrecipe list | show RECIPE | plan RECIPE [options] | run RECIPE [options] [-- CMD...]",
  "nsrecipe undo [RUN | --all] | status [RUN] [--deep | --quick] | journal [RUN] | doctor [options] | confirm [RUN]",
  "nsrecipe exec RUN -- CMD... | shell RUN [options]",
  "nsrecipe rehearse RECIPE [options] | lab [options] [-- ARGS...]",
  "nsrecipe completions SHELL | man | help [COMMAND [RECIPE]]",
];

/**
 * The short usage printed for a missing command (as git and ip do), with the way to the full help.
 * @param recipes The recipes, for their names.
 * @returns The text.
 */
export function shortUsage(recipes: readonly Recipe[]): string {
  return `Usage: nsrecipe COMMAND [options]
${SYNOPSIS.map((line) => `  ${line}`).join("\n")}
Recipes: ${recipes.map((r) => r.name).join(", ")}`;
}

const EXAMPLES = `
Examples:
  nsrecipe list                                   the recipes
  nsrecipe plan netns --name web                  the exact commands, nothing changed
  nsrecipe run netns --name web                   a shell inside netns 'web'
  nsrecipe run netns --name web -- ip -br addr    one command inside, then return
  nsrecipe status                                 applied runs and drift
  nsrecipe undo web                               put the host back
  nsrecipe doctor --name web                      is this host fit? (read-only)
  nsrecipe lab -- run netns --name demo -- ip -br link   all of it in a throwaway lab

Exit codes: 0 ok; 1 internal error (a bug); 2 bad usage; 3 precondition
failed (nothing changed); 4 a step failed and was rolled back, or a run was
not confirmed and was undone; 5 the host needs attention ('nsrecipe man').
'run -- CMD' exits with CMD's code once set up.
nsrecipe processes take turns: one that finds another at work waits for it
(and says so); a killed one is recovered by 'nsrecipe undo' (RELIABILITY.md).`;

/**
 * Runs a plain command line that commander parsed (`plain_commands.ts`); a
 * test passes its own to see what commander parsed.
 * @param line The command line as commander parsed it.
 * @param started Told the invocation's output as soon as it exists.
 */
export type RunPlainCommand = (line: PlainCommandLine, started: (out: Output) => void) => Promise<number>;

/** What runs a command line once commander parsed it: the plain commands' and `plan`/`run RECIPE`'s. */
export interface ParsedRunners {
  /** Runs a plain command (`plain_commands.ts`). */
  plain: RunPlainCommand;
  /** Runs `plan RECIPE` or `run RECIPE` (`recipe_commands.ts`); returns the exit code. */
  recipe: typeof runRecipeCommand;
}

/** The runners of an invocation. */
const RUNNERS: ParsedRunners = { plain: runPlainCommand, recipe: runRecipeCommand };

/**
 * A commander option from its spec.
 * @param o The option (`command_spec.ts`).
 * @returns The option, with its default if it has one.
 */
function optionOf(o: OptionSpec): Option {
  const option = new Option(flagsOf(o), o.description);
  return o.default === undefined ? option : option.default(o.default, o.defaultShown);
}

/** The options a stepless recipe (`pid-only`) refuses: they confirm or undo a run's steps. */
const UNDOING_OPTIONS: ReadonlySet<string> = new Set(["--rm", "--confirm", "--no-confirm"]);

/**
 * Adds the options of `plan RECIPE` or `run RECIPE` besides the recipe's own (`command_spec.ts`).
 * For a stepless recipe those that confirm or undo are hidden from its help, manual page and completion; they are
 * still parsed, so that `run` refuses them in its own words ("--rm does not apply to 'pid-only'").
 * @param cmd The recipe's command under `plan` or `run`.
 * @param command `plan` or `run`.
 * @param recipe The recipe (is it stepless?).
 * @returns The same command.
 */
function addOptions<C extends Command<any, any, any>>(cmd: C, command: RecipeCommandName, recipe: Recipe): C {
  for (const o of recipeCommandOptions(command)) {
    const option = optionOf(o);
    cmd.addOption(recipe.stepless && UNDOING_OPTIONS.has(o.long) ? option.hideHelp() : option);
  }
  return cmd;
}

/**
 * Adds a plain command (`command_spec.ts`) to the program, its operands,
 * options and usage as declared there; a hidden one is added as a command of
 * its own (not inheriting the program's settings) and left out of the help.
 * @param program The root command.
 * @param name The command.
 * @param args All of nsrecipe's arguments (`exec`'s command is what follows their first `--`).
 * @param run Its action, given what commander parsed.
 */
function addPlainCommand(
  program: Command<any, any, any>,
  name: PlainCommandName,
  args: string[],
  run: (line: PlainCommandLine) => Promise<void>,
): Command<any, any, any> {
  const spec = PLAIN_COMMANDS[name];
  const cmd: Command<any, any, any> = spec.hidden ? new Command(name) : program.command(name);
  if (spec.description !== undefined) cmd.description(spec.description);
  for (const o of spec.operands) cmd.argument(o.term, o.description);
  if (spec.inside) {
    cmd.argument(spec.inside.term, spec.inside.description).allowUnknownOption();
    if (spec.inside.needed) neededArgument(cmd.registeredArguments.at(-1)!);
  }
  for (const o of spec.options) cmd.addOption(optionOf(o));
  // commander calls it with each operand (undefined when not given), the words for `inside`, the command's options and
  // the command.
  cmd.action(async (...given: any[]) => {
    const [opts, c] = given.slice(-2) as [Record<string, string | boolean>, Command<any, any, any>];
    const operands = given.slice(0, spec.operands.length).filter((o) => o !== undefined) as string[];
    const inside = spec.inside
      ? commandAfterDashes(given[spec.operands.length], args, c, `${name} ${operands[0]}`)
      : [];
    const globals = c.parent!.opts() as Record<string, string | boolean>;
    await run({ command: name, operands, opts: { ...opts }, inside, globals: { ...globals } });
  });
  if (spec.hidden) program.addCommand(cmd, { hidden: true });
  return cmd;
}

/**
 * Runs nsrecipe with the given arguments.
 *
 * @param args Arguments without the program name, e.g. `["run", "netns", "--name", "web"]`.
 * @param runners Run a plain command, or a recipe command, once parsed (a test passes its own, to record what
 *   commander parsed).
 * @returns The process exit code (see README.md, "Exit codes").
 * @example
 * ```ts ignore
 * Deno.exit(await main(Deno.args));
 * ```
 */
export async function main(args: string[], runners: ParsedRunners = RUNNERS): Promise<number> {
  const runPlain = runners.plain;
  // `help run veth-bridge` shows that subcommand's help, as `run veth-bridge --help` does (`help [COMMAND [RECIPE]]`;
  // checkHelpWords refuses what else follows `help`).
  const helpWords = args[0] === "help" ? args.slice(1) : undefined;
  if (helpWords !== undefined && helpWords.length > 1) args = [...helpWords, "--help"];
  // `help help`: the top-level help, which says what `help` takes (commander would answer "No command given").
  else if (helpWords?.[0] === "help") args = ["--help"];
  const RECIPES = await recipesFor(args);
  let code: number = EXIT.ok;
  const setCode = (c: number) => {
    code = c;
  };
  // The output of the subcommand that runs: it writes the --json document when the invocation ends.
  let current: Output | undefined;
  const started = (out: Output) => {
    current = out;
  };
  const globals = (cmd: Command<any, any, any>) => {
    const made = readGlobals(cmd.optsWithGlobals());
    started(made.out);
    refuseDryRun(topCommand(cmd).name(), made.g);
    return made;
  };
  const program = new Command()
    .name("nsrecipe")
    .description("Set up Linux namespaces by named recipes, journaled and reversible.")
    .version(VERSION, "-V, --version");
  for (const o of GLOBAL_OPTIONS) program.addOption(optionOf(o));
  program.addHelpText("after", EXAMPLES)
    .exitOverride()
    // The help's width is doctor's and show's (wrap.ts: the terminal's columns, else 80), as is its wrapping: at
    // spaces only, never inside a quoted command ('nsrecipe man | man -l -').
    .configureOutput({ outputError: () => {}, writeErr: () => {}, getOutHelpWidth: () => outputWidth() })
    .configureHelp({
      showGlobalOptions: true,
      boxWrap(text: string, width: number) {
        return text.split(/\r\n|\n/).map((line) => wrapProse(line, width).join("\n")).join("\n");
      },
      // nsrecipe's one style of usage line (usage_line.ts), in the list of commands and in each one's help.
      subcommandTerm(cmd: Command<any, any, any>) {
        return [cmd.name(), usageTerm(cmd)].filter((w) => w !== "").join(" ");
      },
      commandUsage(cmd: Command<any, any, any>) {
        return usageLine(cmd);
      },
      argumentTerm(arg: Argument<any, any, any, any, any>) {
        return operandTerm(arg);
      },
      // Each subcommand's help lists the global options it honours (HONOURED_GLOBALS), not all of them.
      visibleGlobalOptions(this: Help, cmd: Command<any, any, any>) {
        const honoured = HONOURED_GLOBALS[topCommand(cmd).name()] ?? [];
        return Help.prototype.visibleGlobalOptions.call(this, cmd as never).filter((o) => honoured.includes(o.long!));
      },
    })
    .showSuggestionAfterError(true)
    .helpCommand("help [command] [recipe]", "display help for a command, or for a recipe of plan, run or rehearse");

  const plain = async (line: PlainCommandLine) => setCode(await runPlain(line, started));
  const addPlain = (name: PlainCommandName) => addPlainCommand(program, name, args, plain);
  const runRecipe = runners.recipe;
  // The globals of a command that acts on the host, once it is known to run where it may (refuseElsewhere). `ahead`:
  // this process's facts the command will read, read with the network namespace refuseElsewhere may ask for, each
  // kind in one process (process_facts.ts).
  const onHost = async (cmd: Command<any, any, any>, journal: boolean) => {
    const made = globals(cmd);
    await actOnHost(made, journal);
    return made;
  };
  addPlain("list");
  addPlain("show");

  const plan = program.command("plan").description("print the exact commands 'run' would execute; change nothing");
  const run = program.command("run").description("apply a recipe, then run a shell or -- CMD inside");
  const rehearse = program.command("rehearse").description(
    "replay a recipe on a lab copy of this host's uplink first; never changes the host",
  );
  for (const parent of [plan, run, rehearse]) {
    parent.addHelpText("after", `\nEach recipe's options: nsrecipe ${parent.name()} RECIPE --help`);
    // Without a recipe (or with an unknown one) these are usage errors, not a help page with exit 0.
    parent.argument("[recipe]", `one of: ${RECIPES.map((r) => r.name).join(", ")}`).allowExcessArguments().action(
      async (name) => {
        throw (await import("./recipe_words.ts")).recipeWordError(parent.name(), name, RECIPES);
      },
    );
    neededArgument(parent.registeredArguments[0]);
  }
  for (const recipe of RECIPES) {
    const recipeLine = (command: RecipeCommandName, cmd: Command<any, any, any>, inside: string[]) =>
      runRecipe(
        {
          command,
          recipe: recipe.name,
          opts: { ...cmd.opts() },
          shellGiven: cmd.getOptionValueSource("shell") === "cli",
          inside,
          globals: { ...cmd.parent!.parent!.opts() as Record<string, string | boolean> },
        },
        recipe,
        args,
        started,
      );
    addRecipeOptions(addOptions(plan.command(recipe.name).description(recipe.summary), "plan", recipe), recipe.params)
      .action(async (_opts, cmd) => {
        await recipeLine("plan", cmd, []);
      });
    addRecipeOptions(rehearse.command(recipe.name).description(recipe.summary), recipe.params).action(
      async (opts, cmd) => {
        const { g, out } = await onHost(cmd, false);
        const o = opts as Record<string, unknown>;
        const { parseRecipeParams } = await import("./recipe_options.ts");
        const params = await parseRecipeParams(recipe.params, o, await readParamFile(o, out), recipe.name);
        const { rehearseCommand } = await import("./rehearse.ts");
        setCode(await rehearseCommand(recipe, params, recipe.targets(params).uplink, g, out));
      },
    );
    addRecipeOptions(
      addOptions(
        run.command(recipe.name).description(recipe.summary)
          .argument("[command...]", "command to run inside (after --); default: a shell when stdin is a TTY"),
        "run",
        recipe,
      ),
      recipe.params,
    ).allowUnknownOption().action(async (words, _opts, cmd) => {
      setCode(await recipeLine("run", cmd, commandAfterDashes(words, args, cmd)));
    });
  }

  addPlain("exec");
  addPlain("shell");
  addPlain("undo");
  addPlain("confirm");
  addPlain("status");
  addPlain("doctor");
  addPlain("journal");
  program.command("lab").description("run nsrecipe ARGS (or a shell) in a throwaway simulated host")
    .argument("[args...]", "nsrecipe arguments to run inside the lab (after --)")
    .option("--uplink <name>", "name of the simulated uplink", DEFAULT_LAB.uplink)
    .option("--address <cidr>", `uplink IPv4 address; the LAN follows its subnet (default: ${DEFAULT_LAB.address})`)
    .option(
      "--gateway <ip>",
      `LAN gateway (default: ${DEFAULT_LAB.gateway}, or the first host address of --address's subnet)`,
    )
    .action(async (args, opts, cmd) => {
      const { g, out } = globals(cmd);
      const { labSpecFromOptions } = await import("../lab/mod.ts");
      const spec = labSpecFromOptions(opts);
      if (g.json) {
        // The nsrecipe inside the lab shares this stdout: it gets --json and writes the one document.
        if (args.length === 0) throw new UsageError("--json needs nsrecipe arguments to run inside the lab (after --)");
        out.delegateDocument();
      }
      setCode(await (await import("./lab.ts")).labCommand(spec, g.json ? ["--json", ...args] : args, out));
    });
  program.addCommand(
    new Command(LAB_INIT_COMMAND).argument("[args...]").requiredOption("--spec <json>").option("--hold")
      .option("--parent <pid>")
      .action(async (args, opts, cmd) => {
        const { out } = globals(cmd);
        const { labInitCommand } = await import("./lab.ts");
        const parent = opts.parent === undefined ? undefined : Number(opts.parent);
        setCode(await labInitCommand(JSON.parse(opts.spec), args, opts.hold === true, out, main, parent));
      }),
    { hidden: true },
  );
  program.addCommand(
    new Command(REHEARSE_INNER_COMMAND).argument("<recipe>").argument("<params>").argument("<gateway>")
      .action(async (name, params, gateway, _o, cmd) => {
        const { g, out } = globals(cmd);
        const recipe = RECIPES.find((r) => r.name === name);
        if (!recipe) throw new UsageError(`Unknown recipe ${quote(name)}`);
        const { rehearseInnerCommand } = await import("./rehearse.ts");
        setCode(await rehearseInnerCommand(recipe, recipe.params.parse(JSON.parse(params)), gateway, g, out));
      }),
    { hidden: true },
  );
  addPlain(WATCHDOG_COMMAND);

  let failure: JsonError | undefined;
  program.command("man").description("print the manual page (roff); read it with 'nsrecipe man | man -l -'")
    .action(async () => {
      const { manualPage } = await import("./manual.ts");
      const { MANUAL_PROSE } = await import("./manual_prose.ts");
      console.log(manualPage(program, VERSION, MANUAL_PROSE).trimEnd());
    });
  const word = commandWord(args);
  // The command itself, or the one `help` asks about (`help completions`).
  const named = word === "help" ? args[args.indexOf(word) + 1] : word;
  // The top-level help (`-h`, `--help`, `help`) lists every command, `completions` among them.
  // `help --help` and `help -h` show that top-level help too.
  const topHelp = word === undefined
    ? args.some((a) => a === "-h" || a === "--help")
    : word === "help" && (!named || named === "-h" || named === "--help");
  // An unknown command's error lists the commands, `completions` among them.
  const unknown = named !== undefined && !named.startsWith("-") && !program.commands.some((c) => c.name() === named) &&
    named !== "help";
  if (named === "complete" || named === "completions" || named === "man" || topHelp || unknown) {
    // Completion is generated from the definitions above (and so are the manual and the help, which list it).
    const { addCompletion, NO_RUNS, runNames } = await import("./completion.ts");
    await addCompletion(program, named === "complete" ? await runNames(stateDirOf(args)) : NO_RUNS);
  }
  const beforeDashes = args.slice(0, args.includes("--") ? args.indexOf("--") : undefined);
  const json = beforeDashes.includes("--json");
  const globalWords = word === undefined ? beforeDashes : args.slice(0, args.indexOf(word));
  if (json && (globalWords.includes("-V") || globalWords.includes("--version"))) {
    const out = new Output(true, false, false);
    out.data({ version: VERSION });
    out.finish(EXIT.ok);
    return EXIT.ok;
  }
  try {
    if (json) refuseTextOnly(word, beforeDashes);
    const at = args.indexOf(word ?? "");
    if (word !== undefined && RECIPES.length > 0) {
      (await import("./recipe_words.ts")).checkRecipeWords(args.slice(at), RECIPES);
    }
    // commander answers `help UNKNOWN` with the root help as an error, which read as "No command given", and
    // `help UNKNOWN WORD` (run as `UNKNOWN WORD --help`) with the root help, exit 0.
    if (helpWords !== undefined) checkHelpWords(helpWords, commandNames(program), RECIPE_PARENTS);
    refuseOptionsAsValues(program, args);
    refuseRepeatedOptions(program);
    await program.parseAsync(args, { from: "user" });
  } catch (thrown) {
    // Help and version go to stdout as text, asked for: no document.
    if (thrown instanceof CommanderError && HELP_CODES.includes(thrown.code) && thrown.exitCode === 0) return EXIT.ok;
    const failed = failedCommand(thrown, args, program);
    const help = helpFor(failed);
    // Commander's errors of a missing value or operand, or operands too many, in nsrecipe's words.
    const e = (thrown instanceof CommanderError &&
      (missingValueOf(thrown, args) ?? (failed && operandsErrorOf(thrown, failed, help)))) || thrown;
    code = report(e, RECIPES, stateDirOf(args), help, program);
    failure = jsonError(e, help, program);
  }
  return finishInvocation(current, json, code, failure, args);
}

/** Commands whose output is text for a person or a shell, never data: `--json` is refused for them. */
const TEXT_ONLY = new Set(["help", "man", "completions"]);

/**
 * Refuses `--json` with help, the manual page or a completion script, whose
 * text no JSON document could carry (README: one document per invocation,
 * nothing else), rather than printing text under a flag that promises JSON.
 * @param word The command word, if any.
 * @param beforeDashes The arguments before `--`.
 * @throws {UsageError} For `help`, `man`, `completions`, `-h` or `--help`.
 */
function refuseTextOnly(word: string | undefined, beforeDashes: readonly string[]): void {
  const what = word !== undefined && TEXT_ONLY.has(word)
    ? `'${word}'`
    : beforeDashes.some((a) => a === "-h" || a === "--help")
    ? "--help"
    : undefined;
  if (what) {
    throw new UsageError(
      `--json does not apply to ${what}: it prints text, not data`,
      "Leave out --json; 'nsrecipe --json list' and 'nsrecipe --json show RECIPE' give the recipes as data.",
    );
  }
}

/**
 * An error as the `--json` document reports it.
 * @param e What {@link report} reported.
 * @param help The command line of the help its hint points to.
 * @param program The root command (an unknown command's error lists its commands).
 * @returns Its class, message and hint.
 */
function jsonError(e: unknown, help: string, program: Command<any, any, any>): JsonError {
  if (e instanceof CommanderError) {
    const message = e.code === "commander.help" ? "No command given" : commanderMessage(e, program);
    return { kind: "UsageError", message, hint: `Try '${help}'.` };
  }
  return errorDocument(e);
}

/**
 * The global options each subcommand honours, by its top-level name; its
 * `--help` lists these (commands not named honour none).
 */
export const HONOURED_GLOBALS: Readonly<Record<string, readonly string[]>> = {
  list: ["--json", "--no-color"],
  show: ["--json", "--no-color"],
  plan: ["--json", "--verbose", "--no-color"],
  run: ["--state-dir", "--json", "--verbose", "--dry-run", "--no-color"],
  rehearse: ["--json", "--verbose", "--no-color"],
  exec: ["--state-dir", "--json", "--verbose", "--no-color"],
  shell: ["--state-dir", "--verbose", "--no-color"],
  undo: ["--state-dir", "--json", "--verbose", "--dry-run", "--no-color"],
  confirm: ["--state-dir", "--json", "--dry-run", "--no-color"],
  status: ["--state-dir", "--json", "--verbose", "--no-color"],
  doctor: ["--json", "--verbose", "--no-color"],
  journal: ["--state-dir", "--json", "--no-color"],
  lab: ["--json", "--verbose", "--no-color"],
};

/** The commands whose subcommands are the recipes. */
const RECIPE_PARENTS: ReadonlySet<string> = new Set(["plan", "run", "rehearse"]);

/** The top-level subcommand a command belongs to (`run` for `run netns`). */
function topCommand(cmd: Command<any, any, any>): Command<any, any, any> {
  let c = cmd;
  while (c.parent?.parent) c = c.parent as Command<any, any, any>;
  return c;
}

/** Commander's codes for help or version shown on request. */
const HELP_CODES = ["commander.helpDisplayed", "commander.version", "commander.help"];

/**
 * The command a commander error is about: the one the words name, down to
 * the recipe of `plan`, `run` or `rehearse`; `undefined` for an unknown
 * command, or when no command is named.
 * @param e The error commander threw.
 * @param args nsrecipe's arguments.
 * @param program The root command, for the commands it knows.
 * @returns The command, e.g. `run veth-bridge`'s.
 */
function failedCommand(
  e: unknown,
  args: readonly string[],
  program: Command<any, any, any>,
): Command<any, any, any> | undefined {
  const word = commandWord(args);
  const top = e instanceof CommanderError && e.code !== "commander.unknownCommand" && word !== undefined
    ? program.commands.find((c) => c.name() === word)
    : undefined;
  if (!top) return undefined;
  const recipe = RECIPE_PARENTS.has(word!) ? commandWord(args.slice(args.indexOf(word!) + 1)) : undefined;
  return (recipe === undefined ? undefined : top.commands.find((c) => c.name() === recipe)) ?? top;
}

/**
 * The help a commander error points to: that of the command it is about
 * ({@link failedCommand}: `nsrecipe plan veth-bridge --help` for a mistyped
 * option of that recipe, which the top-level help does not list); the
 * top-level help for an unknown command, or when no command is named.
 * @param cmd The command the error is about, if any.
 * @returns The command line that shows that help, e.g. `nsrecipe exec --help`.
 */
function helpFor(cmd: Command<any, any, any> | undefined): string {
  const names: string[] = [];
  for (let c = cmd; c?.parent; c = c.parent as Command<any, any, any>) names.unshift(c.name());
  return `nsrecipe ${[...names, "--help"].join(" ")}`;
}

/**
 * The commands the top-level help lists, in its order (`completions` among
 * them once added, `help` last; not the hidden ones): the words a command
 * position takes.
 * @param program The root command.
 * @returns e.g. `["list", "show", …, "completions", "help"]`.
 */
function commandNames(program: Command<any, any, any>): string[] {
  return (program.createHelp() as unknown as Help).visibleCommands(program as never).map((c) => c.name());
}

/**
 * A commander error's message as nsrecipe prints it, on stderr and in the
 * `--json` document alike: without commander's `error: `, capitalised, its
 * suggestion on the same line as nsrecipe's own (`Unknown option '--nmae'
 * (did you mean --name?)`, as `Unknown recipe 'netsn' (did you mean
 * netns?)`); an unknown command as `help UNKNOWN` tells it, the suggestion
 * and the list from the commands alone (`unknownCommandError`).
 */
function commanderMessage(e: CommanderError, program: Command<any, any, any>): string {
  const unknown = e.code === "commander.unknownCommand" ? /'([^']+)'/.exec(e.message)?.[1] : undefined;
  if (unknown !== undefined) return unknownCommandError(unknown, commandNames(program)).message;
  const message = e.message.replace(/^error: /, "").replace(/\n\(Did you mean (.+)\?\)$/, " (did you mean $1?)");
  return `${message[0].toUpperCase()}${message.slice(1)}`;
}

function report(
  e: unknown,
  recipes: readonly Recipe[],
  stateDir: string,
  help: string,
  program: Command<any, any, any>,
): number {
  const print = (line: string) => console.error(sanitize(adviseWithStateDir(line, stateDir)));
  if (e instanceof CommanderError && e.code === "commander.help") {
    // Commander's help for a missing subcommand (silenced): a usage error with the short usage instead.
    print(`nsrecipe: No command given.\n${shortUsage(recipes)}`);
    print("  Try 'nsrecipe --help'.");
    return EXIT.usage;
  }
  if (e instanceof CommanderError) {
    print(`nsrecipe: ${commanderMessage(e, program)}`);
    print(`  Try '${help}'.`);
    return EXIT.usage;
  }
  return reportError(e, stateDir);
}

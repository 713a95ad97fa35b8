/**
 * The actions of `plan RECIPE` and `run RECIPE`, called alike by commander's
 * program (`program.ts`) and by the fast path (`fast_path.ts`, for a command
 * line `fast_parse.ts` read without commander), with the helpers of their
 * options (`--confirm`, `-f FILE`). Nothing here imports commander.
 *
 * @module
 */
import type { Recipe } from "../../recipes/mod.ts";
import { UsageError } from "../errors.ts";
import { quote, shellQuote } from "../quote.ts";
import type { RecipeCommandLine } from "./command_spec.ts";
import { actOnHost, readGlobals, refuseDryRun } from "./globals.ts";
import type { Output } from "./output.ts";

/**
 * Parses `--confirm SECONDS` / `--no-confirm`.
 * @param v Commander's value: a string, `false` for --no-confirm, or undefined.
 * @returns Seconds (0 = none), or `undefined` for the recipe's default.
 * @throws {UsageError} When not a whole number of seconds between 1 and 3600 in decimal digits.
 */
export function parseConfirm(v: string | boolean | undefined): number | undefined {
  if (v === false) return 0;
  if (v === undefined || v === true) return undefined;
  // Decimal digits only: Number() would also read '0x10' as 16, '1e3' as 1000 and ' 5' as 5.
  const n = /^[0-9]+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 3600) {
    throw new UsageError(
      `--confirm ${quote(v)} is not a whole number of seconds from 1 to 3600`,
      "Write it in decimal digits, e.g. --confirm 120; --no-confirm for no window.",
    );
  }
  return n;
}

/**
 * Refuses `--confirm S` together with `--no-confirm` (in either order): commander
 * would keep the last silently, and a script that believes it passed
 * `--no-confirm` would get its run undone S seconds later.
 * @param args All of nsrecipe's arguments (those after `--` are a command's, not options).
 * @throws {UsageError} When both are given.
 */
export function refuseBothConfirms(args: readonly string[]): void {
  const dashes = args.indexOf("--");
  const options = dashes < 0 ? args : args.slice(0, dashes);
  if (options.includes("--no-confirm") && options.some((a) => a === "--confirm" || a.startsWith("--confirm="))) {
    throw new UsageError("--confirm and --no-confirm contradict each other", "Give one of them.");
  }
}

/**
 * Reads the `-f FILE.yaml` named in a recipe's options (bounded, regular files
 * only: see `param_file.ts`), so it can be parsed.
 * @param opts The recipe command's options (`file` names the file).
 * @param out The invocation's output (its runner logs with `--verbose`).
 * @returns The file's text, as `parseRecipeParams` asks for it; `""` without a file.
 * @throws {UsageError} From `param_file.ts`, for a file it will not read.
 */
export async function readParamFile(opts: Record<string, unknown>, out: Output): Promise<(path: string) => string> {
  if (typeof opts.file !== "string") return () => "";
  const [{ readParamFile: readText }, { runnerFor }] = await Promise.all([
    import("./param_file.ts"),
    import("./composition_root.ts"),
  ]);
  const text = await readText(runnerFor(out), opts.file);
  return () => text;
}

/**
 * Runs `plan RECIPE` or `run RECIPE`: the checks of its options, then the
 * recipe's parameters parsed through its schema, then the command's module.
 * @param line The parsed command line.
 * @param recipe The recipe it names.
 * @param args All of nsrecipe's arguments (for `--confirm` with `--no-confirm`).
 * @param started Told the invocation's output as soon as it exists (it writes the `--json` document at the end).
 * @returns The exit code: `run`'s (its command's, with `-- CMD`), 0 for `plan`.
 * @throws {UsageError} For options that contradict each other or do not apply, bad values.
 * @throws {NsrecipeError} Whatever the command throws (see `plan.ts`, `run.ts`).
 */
export async function runRecipeCommand(
  line: RecipeCommandLine,
  recipe: Recipe,
  args: readonly string[],
  started: (out: Output) => void,
): Promise<number> {
  const o = line.opts;
  if (line.command === "plan") {
    const { out } = begin(line, started);
    refuseBothConfirms(args);
    const confirm = parseConfirm(o.confirm);
    const { parseRecipeParams } = await import("./recipe_options.ts");
    const { planCommand } = await import("./plan.ts");
    await planCommand(
      recipe,
      await parseRecipeParams(recipe.params, o, await readParamFile(o, out), recipe.name),
      out,
      confirm,
    );
    return 0;
  }
  const command = line.inside;
  refuseBothConfirms(args);
  if (command.length > 0 && line.shellGiven) {
    throw new UsageError(
      `--shell does not apply with a command: '${command[0]}' runs inside instead of a shell`,
      "Leave out --shell, or the command after '--'.",
    );
  }
  // Without a terminal (or with --json) no shell is opened: a --shell given would be silently ignored.
  if (command.length === 0 && line.shellGiven) {
    const json = line.globals.json === true;
    if (json || !Deno.stdin.isTerminal()) {
      throw new UsageError(
        `--shell does not apply ${json ? "with --json" : "without a terminal (stdin is not a TTY)"}: no shell ` +
          "is opened, so it would be ignored; nothing was changed",
        `Leave out --shell, or give a command after '--', e.g. 'nsrecipe run ${recipe.name} -- ip -br addr'.`,
      );
    }
  }
  const { runCommand, ownFactsAhead } = await import("./run.ts");
  const made = begin(line, started);
  await actOnHost(made, true, ownFactsAhead(recipe));
  const { g, out } = made;
  const { parseRecipeParams, givenRecipeOptions } = await import("./recipe_options.ts");
  const params = await parseRecipeParams(recipe.params, o, await readParamFile(o, out), recipe.name);
  const confirm = parseConfirm(o.confirm);
  return await runCommand(
    recipe,
    params,
    command,
    {
      rm: o.rm === true,
      shell: o.shell as string,
      confirm,
      planLine: planLine(recipe.name, givenRecipeOptions(recipe.params, o), confirm),
    },
    g,
    out,
  );
}

/**
 * The `plan` command line that shows a run's steps: the recipe, the recipe
 * options given and the confirmation window asked for (`plan` shows it).
 * @param recipe The recipe's name.
 * @param options The recipe options given, as words (`givenRecipeOptions`).
 * @param confirm `--confirm`'s seconds, 0 for `--no-confirm`, `undefined` for neither.
 * @returns e.g. `nsrecipe plan veth-bridge --name demo --confirm 60`, quoted for a shell.
 */
export function planLine(recipe: string, options: readonly string[], confirm: number | undefined): string {
  const window = confirm === undefined ? [] : confirm === 0 ? ["--no-confirm"] : ["--confirm", String(confirm)];
  return `nsrecipe plan ${shellQuote([recipe, ...options, ...window])}`;
}

/** The global options and the output of a recipe command, told to `started`; `--dry-run` checked. */
function begin(line: RecipeCommandLine, started: (out: Output) => void): ReturnType<typeof readGlobals> {
  const made = readGlobals(line.globals);
  started(made.out);
  refuseDryRun(line.command, made.g);
  return made;
}

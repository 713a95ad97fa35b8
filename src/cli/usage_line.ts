/**
 * nsrecipe's one style of usage line, for `--help` (its `Usage:` line and the
 * top-level list of commands), the manual page's command headings and the
 * usage errors, all derived from commander's definitions of the commands:
 *
 *     nsrecipe exec RUN -- CMD...
 *     nsrecipe status [RUN] [options]
 *     nsrecipe run RECIPE [options] [-- CMD...]
 *
 * Operands in capitals (`RUN`, `RECIPE`, `SHELL`; commander's `command`, the
 * command run inside, is `CMD`), an optional one in brackets, then
 * `[options]` when the command has options of its own (not only `--help`),
 * then what goes after `--`. Option values keep commander's form in the
 * option lists (`--state-dir <dir>`). Commander's own style (`[options]
 * <run>`, `[command...]`) is not shown anywhere.
 *
 * @module
 */
import type { Argument, Command, CommanderError } from "@commander-js/extra-typings";
import { UsageError } from "../errors.ts";
import { quote } from "../quote.ts";

/** Arguments commander takes as optional that the admin must give (see {@link neededArgument}). */
const NEEDED = new WeakSet<Argument<any, any, any, any, any>>();

/**
 * Marks an argument that commander is told is optional, so that its absence
 * reaches nsrecipe's own usage error (the recipe of `plan`, `run` and
 * `rehearse`; the command of `exec`), as required in the usage line.
 * @param arg The argument, e.g. `plan`'s `[recipe]`.
 */
export function neededArgument(arg: Argument<any, any, any, any, any>): void {
  NEEDED.add(arg);
}

/**
 * What a usage line shows after the command's name (e.g. `RUN -- CMD...`,
 * `RECIPE [options]`, `COMMAND [options]` for the program itself; `""` for a
 * command with neither operands nor options, e.g. `list`; optional operands
 * nested, `help`'s `[COMMAND [RECIPE]]`). A command with
 * subcommands (`plan`) shows its operand, then what its first subcommand
 * takes after it (the recipes' options).
 * @param cmd The command.
 * @returns The words.
 */
export function usageTerm(cmd: Command<any, any, any>): string {
  const words: string[] = [];
  let after: string | undefined;
  // Optional operands in a row nest: the second can only be given after the first (`[COMMAND [RECIPE]]`).
  const optional: string[] = [];
  for (const arg of cmd.registeredArguments) {
    const name = operandName(arg.name(), arg.variadic);
    const needed = arg.required || NEEDED.has(arg);
    if (arg.variadic) after = needed ? `-- ${name}...` : `[-- ${name}...]`;
    else if (needed) words.push(name);
    else optional.push(name);
  }
  if (optional.length > 0) {
    words.push(optional.reduceRight((inner, name) => `[${name}${inner ? ` ${inner}` : ""}]`, ""));
  }
  const subcommands = cmd.commands;
  if (subcommands.length > 0 && words.length === 0) words.push("COMMAND");
  if (subcommands.length > 0 && cmd.registeredArguments.length > 0) {
    words.push(usageTerm(subcommands[0] as Command<any, any, any>));
  } else if (cmd.options.some((o) => !o.hidden)) words.push("[options]");
  if (after) words.push(after);
  return words.filter((w) => w !== "").join(" ");
}

/**
 * The whole usage line of a command: `nsrecipe`, the commands above it and
 * its name, then {@link usageTerm}.
 * @param cmd The command.
 * @returns e.g. `nsrecipe run veth-bridge [options] [-- CMD...]`.
 */
export function usageLine(cmd: Command<any, any, any>): string {
  const names: string[] = [];
  for (let c: Command<any, any, any> | null = cmd; c; c = c.parent as Command<any, any, any> | null) {
    names.unshift(c.name());
  }
  return [...names, usageTerm(cmd)].filter((w) => w !== "").join(" ");
}

/** An operand as usage lines name it: `run` → `RUN`; the command run inside (`command...`) → `CMD`. */
function operandName(name: string, variadic: boolean): string {
  return variadic && name === "command" ? "CMD" : name.toUpperCase();
}

/**
 * An operand as the help's and the manual page's lists of arguments name it,
 * as its usage line does (`RUN`, `CMD`, `RECIPE`).
 * @param arg The argument.
 * @returns Its name in capitals.
 */
export function operandTerm(arg: Argument<any, any, any, any, any>): string {
  return operandName(arg.name(), arg.variadic);
}

/**
 * Commander's errors about operands in nsrecipe's words, with the command's
 * usage line: "missing required argument 'run'" → `Missing RUN (usage:
 * nsrecipe exec RUN -- CMD...)`; "too many arguments for 'doctor'. Expected
 * 0 arguments but got 1: x." → `Too many arguments for 'doctor': 'x'
 * (usage: nsrecipe doctor [options])`.
 * @param e What commander threw.
 * @param cmd The command that threw it (its operands as parsed are in `cmd.args`).
 * @param help The command line of its help, for the hint, e.g. `nsrecipe exec --help`.
 * @returns The usage error, or `undefined` for any other error of commander's.
 */
export function operandsErrorOf(e: CommanderError, cmd: Command<any, any, any>, help: string): UsageError | undefined {
  const hint = `Try '${help}'.`;
  if (e.code === "commander.missingArgument") {
    const name = /missing required argument '([^']+)'/.exec(e.message)?.[1];
    if (name === undefined) return undefined;
    const arg = cmd.registeredArguments.find((a) => a.name() === name);
    return new UsageError(`Missing ${operandName(name, arg?.variadic === true)} (usage: ${usageLine(cmd)})`, hint);
  }
  if (e.code === "commander.excessArguments") {
    const extra = cmd.args.slice(cmd.registeredArguments.length);
    return new UsageError(
      `Too many arguments for '${cmd.name()}': ${extra.map(quote).join(" ")} (usage: ${usageLine(cmd)})`,
      hint,
    );
  }
  return undefined;
}

/**
 * Refuses an option's value that is itself an option: commander takes the
 * word after a value-taking option as its value whatever it is, so
 * `doctor --uplink --name x` checked an uplink called `--name` and then
 * refused `x` as "Too many arguments", and `lab --gateway -- run …` took
 * `--` as the gateway and then refused `--name` as unknown: the message named
 * a word that was not the mistake. No value nsrecipe takes (a name, device,
 * path, address, number of seconds) starts with `--`, so such a value means
 * the option's own value was left out. A value given in the same word
 * (`--name=--help`) was not left out: it goes on to the option's own check,
 * which says why it is not allowed.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import { UsageError } from "../errors.ts";
import { quote } from "../quote.ts";

/**
 * Makes every value-taking option of `program` and of its subcommands (at any
 * depth) refuse a value that is `--` or starts with `--`. It listens to
 * commander's `option:NAME` event, emitted once per occurrence with the raw
 * value. Call it once, after every command and option is defined, before
 * parsing.
 *
 * @param program The root command.
 * @param args The command line being parsed, e.g. `["doctor", "--uplink", "--name", "x"]`: a value is refused only
 *   when it follows its option as a word of its own.
 * @throws {UsageError} While parsing (from `parse`/`parseAsync`), naming the
 *   option and the word taken for its value, e.g. `--uplink is missing its
 *   value ('--name', which follows it, is an option)`.
 */
export function refuseOptionsAsValues(program: Command<any, any, any>, args: readonly string[]): void {
  watch(program, args);
  for (const sub of program.commands) refuseOptionsAsValues(sub as Command<any, any, any>, args);
}

/** Listens on one command's own value-taking options. */
function watch(cmd: Command<any, any, any>, args: readonly string[]): void {
  for (const option of cmd.options) {
    if (!(option.required || option.optional) || option.negate) continue;
    const flag = option.long ?? option.short ?? option.name();
    cmd.on(`option:${option.name()}`, (value: unknown) => {
      if (typeof value !== "string" || !value.startsWith("--")) return;
      const words = [option.long, option.short].filter((w): w is string => w !== undefined);
      if (!args.some((a, i) => words.includes(a) && args[i + 1] === value)) return; // `--name=--x`: given, not missing
      throw new UsageError(
        `${flag} is missing its value (${quote(value)}, which follows it, ${
          value === "--" ? "ends the options" : "is an option"
        })`,
        `Give ${flag} its value right after it: ${option.flags}.`,
      );
    });
  }
}

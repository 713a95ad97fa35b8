/**
 * Refuses an option's value that is itself an option: commander takes the
 * word after a value-taking option as its value whatever it is, so
 * `doctor --uplink --name x` checked an uplink called `--name` and then
 * refused `x` as "Too many arguments", and `lab --gateway -- run …` took
 * `--` as the gateway and then refused `--name` as unknown: the message named
 * a word that was not the mistake. No value nsrecipe takes (a name, device,
 * path, address, number of seconds) starts with `--`, so such a value means
 * the option's own value was left out.
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
 * @throws {UsageError} While parsing (from `parse`/`parseAsync`), naming the
 *   option and the word taken for its value, e.g. `--uplink is missing its
 *   value ('--name', which follows it, is an option)`.
 */
export function refuseOptionsAsValues(program: Command<any, any, any>): void {
  watch(program);
  for (const sub of program.commands) refuseOptionsAsValues(sub as Command<any, any, any>);
}

/** Listens on one command's own value-taking options. */
function watch(cmd: Command<any, any, any>): void {
  for (const option of cmd.options) {
    if (!(option.required || option.optional) || option.negate) continue;
    const flag = option.long ?? option.short ?? option.name();
    cmd.on(`option:${option.name()}`, (value: unknown) => {
      if (typeof value !== "string" || !value.startsWith("--")) return;
      throw new UsageError(
        `${flag} is missing its value (${quote(value)}, which follows it, ${
          value === "--" ? "ends the options" : "is an option"
        })`,
        `Give ${flag} its value right after it: ${option.flags}.`,
      );
    });
  }
}

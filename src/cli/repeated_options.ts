/**
 * Refuses an option that takes one value given more than once: commander
 * keeps the last silently (`--name a --name b` plans `b`), and a user may
 * believe both were taken (`--address A --address B`). Flags are not checked
 * (`--json --json` means the same as once); `--confirm S --no-confirm` is
 * refused by its own check, which names the pair.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import { UsageError } from "../errors.ts";
import { quote } from "../quote.ts";

/**
 * Makes every value-taking option of `program` and of its subcommands (at any
 * depth) refuse a second value on the command line. It listens to commander's
 * `option:NAME` event, emitted once per occurrence of the option with its raw
 * value (both `--name b` and `--name=b`, and for a short alias `-f FILE`).
 * Call it once, after every command and option is defined, before parsing.
 *
 * @param program The root command.
 * @throws {UsageError} While parsing (from `parse`/`parseAsync`), at the second
 *   value of an option: naming the option and both values, e.g.
 *   `--name is given twice ('a', then 'b'); it takes one value`.
 */
export function refuseRepeatedOptions(program: Command<any, any, any>): void {
  watch(program);
  for (const sub of program.commands) refuseRepeatedOptions(sub as Command<any, any, any>);
}

/** Listens on one command's own value-taking options. */
function watch(cmd: Command<any, any, any>): void {
  const seen = new Map<string, string>();
  const names = new Set<string>();
  for (const option of cmd.options) {
    if ((option.required || option.optional) && !option.variadic) names.add(option.name());
  }
  for (const name of names) {
    const flag = cmd.options.find((o) => o.name() === name && !o.negate)?.long ?? name;
    cmd.on(`option:${name}`, (value: unknown) => {
      // A negated flag (`--no-confirm`) of the same name emits no value.
      if (typeof value !== "string") return;
      const first = seen.get(name);
      if (first !== undefined) {
        throw new UsageError(
          `${flag} is given twice (${quote(first)}, then ${quote(value)}); it takes one value`,
          `Give ${flag} once, with the value meant.`,
        );
      }
      seen.set(name, value);
    });
  }
}

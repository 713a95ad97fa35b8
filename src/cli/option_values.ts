/**
 * Refuses an option whose value was left out, in nsrecipe's words: commander
 * takes the word after a value-taking option as its value whatever it is, so
 * `doctor --uplink --name x` checked an uplink called `--name` and then
 * refused `x` as "Too many arguments", and `lab --gateway -- run …` took
 * `--` as the gateway and then refused `--name` as unknown: the message named
 * a word that was not the mistake. Commander also reads the global options
 * (`--verbose`, `--json`, …) wherever they stand, before the command's own:
 * `shell --shell --verbose web` gave `web` to `--shell` and said "Missing
 * required argument 'run'", and `doctor --uplink --json` said commander's
 * "option '--uplink <dev>' argument missing". No value nsrecipe takes (a
 * name, device, path, address, number of seconds) starts with `--`, so an
 * option followed by such a word was given no value. A value given in the
 * same word (`--name=--help`) was not left out: it goes on to the option's
 * own check, which says why it is not allowed.
 *
 * @module
 */
import type { Command, CommanderError } from "@commander-js/extra-typings";
import { UsageError } from "../errors.ts";
import { quote } from "../quote.ts";

/**
 * Makes every value-taking option of `program` and of its subcommands (at any
 * depth) refuse to be followed by a word that is `--` or starts with `--`,
 * whatever commander made of that word (the option's value, or a global
 * option it took out first). It listens to commander's `option:NAME` event,
 * emitted once per occurrence with the raw value. Call it once, after every
 * command and option is defined, before parsing.
 *
 * @param program The root command.
 * @param args The command line being parsed, e.g. `["doctor", "--uplink", "--name", "x"]`: an option is refused
 *   only when it stands as a word of its own, before the command given after `--` (`run … -- CMD`).
 * @throws {UsageError} While parsing (from `parse`/`parseAsync`), naming the
 *   option and the word that follows it, e.g. `--uplink is missing its
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
    const words = [option.long, option.short].filter((w): w is string => w !== undefined);
    cmd.on(`option:${option.name()}`, (value: unknown) => {
      if (typeof value !== "string") return;
      for (let i = 0; i + 1 < args.length; i++) {
        // The command after `--` (the `--` itself not this option's value taken): its words are its own.
        if (args[i] === "--" && !words.includes(args[i - 1])) return;
        if (words.includes(args[i]) && args[i + 1].startsWith("--")) throw missingValue(option, args[i + 1]);
      }
    });
  }
}

/**
 * Commander's "option '--uplink <dev>' argument missing" (nothing followed the
 * option once commander took out the global options after it) in nsrecipe's
 * words, as {@link refuseOptionsAsValues} says it.
 * @param e What commander threw.
 * @param args The command line parsed, e.g. `["doctor", "--uplink", "--json"]`.
 * @returns The usage error (`--uplink is missing its value ('--json', which follows it, is an option)`), or
 *   `undefined` for any other error of commander's.
 */
export function missingValueOf(e: CommanderError, args: readonly string[]): UsageError | undefined {
  if (e.code !== "commander.optionMissingArgument") return undefined;
  const flags = /option '([^']+)' argument missing/.exec(e.message)?.[1];
  if (flags === undefined) return undefined;
  // Commander's flags: `--uplink <dev>`, `-f, --file <file.yaml>`.
  const words = flags.split(/[ ,|]+/).filter((w) => w.startsWith("-"));
  const option = { flags, long: words.find((w) => w.startsWith("--")), short: words.find((w) => !w.startsWith("--")) };
  const dashes = args.indexOf("--");
  const before = dashes < 0 ? args : args.slice(0, dashes);
  const at = before.findLastIndex((a) => words.includes(a));
  return missingValue(option, at < 0 ? undefined : before[at + 1]);
}

/** The words of an option that {@link missingValue} names (commander's `Option`, in part). */
interface OptionWords {
  /** As declared, e.g. `-f, --file <file.yaml>`. */
  flags: string;
  /** e.g. `--file`. */
  long?: string;
  /** e.g. `-f`. */
  short?: string;
}

/**
 * The usage error for an option given no value.
 * @param option The option.
 * @param next The word after it (an option, or `--`); `undefined` when none follows.
 */
function missingValue(option: OptionWords, next: string | undefined): UsageError {
  const flag = option.long ?? option.short ?? option.flags;
  const why = next === undefined
    ? "nothing follows it"
    : `${quote(next)}, which follows it, ${next === "--" ? "ends the options" : "is an option"}`;
  return new UsageError(
    `${flag} is missing its value (${why})`,
    `Give ${flag} its value right after it: ${option.flags}.`,
  );
}

/**
 * The fast path of the command line: an ordinary command line of a plain
 * command (`status`, `undo`, `journal`, `confirm`; see `command_spec.ts`) is
 * parsed with node:util's `parseArgs` (Node's own parser; node:util is loaded
 * anyway, for `Output`'s colours) instead of commander, whose import boots
 * Deno's Node compatibility layer (node:fs, node:child_process, node:events):
 * about 15 ms of CPU on every command.
 *
 * It accepts only what it can read exactly as commander would, and defers
 * everything else (returns `undefined`) to `program.ts`: help and version
 * flags, short options, `--`, an option given twice, an unknown option, a
 * command's own option before the command word, a missing value, a value
 * that starts with a dash or is empty, more than one operand. A unit test
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
} from "./command_spec.ts";

/**
 * Parses a plain command line without commander, or declines to.
 * @param args nsrecipe's arguments, e.g. `["--state-dir", "/run/x", "status", "web", "--quick"]`.
 * @returns What commander would parse, or `undefined` when the line is not a
 *   plain command's or not an ordinary one (commander then parses it, and
 *   prints its help or its error).
 */
export function parsePlainCommandLine(args: readonly string[]): PlainCommandLine | undefined {
  const at = commandIndex(args);
  if (at === undefined) return undefined;
  const word = args[at];
  if (!Object.hasOwn(PLAIN_COMMANDS, word)) return undefined;
  const spec = PLAIN_COMMANDS[word as PlainCommandName];
  const own = new Map(spec.options.map((o) => [o.long.slice(2), o]));
  const global = new Map(GLOBAL_OPTIONS.map((o) => [o.long.slice(2), o]));
  const options: Record<string, { type: "string" | "boolean" }> = {};
  for (const [name, o] of [...global, ...own]) options[name] = { type: o.value ? "string" : "boolean" };
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: true, tokens: true });
  } catch {
    return undefined; // an unknown option, a flag with a value, a missing value: commander says what is wrong
  }
  const globals = defaultsOf(GLOBAL_OPTIONS);
  const opts: Record<string, string | boolean> = {};
  const seen = new Set<string>();
  const operands: string[] = [];
  for (const token of parsed.tokens) {
    if (token.kind === "positional") {
      if (token.index < at) return undefined; // e.g. `-` before the command word: commander's command word
      if (token.index > at) operands.push(token.value);
      continue;
    }
    // `--` (its own token: what follows is commander's operands), a short option (-h, -V, combined ones), a repeat.
    if (token.kind !== "option" || !token.rawName.startsWith("--") || seen.has(token.name)) return undefined;
    seen.add(token.name);
    const mine = own.get(token.name);
    if (mine && token.index < at) return undefined; // commander reads it as the program's (unknown) option
    const o = (mine ?? global.get(token.name)) as OptionSpec;
    if (o.value !== undefined && (token.value === undefined || token.value === "" || token.value.startsWith("-"))) {
      return undefined;
    }
    (mine ? opts : globals)[keyOf(o)] = o.value !== undefined ? token.value as string : !o.long.startsWith("--no-");
  }
  if (operands.length > 1) return undefined;
  return { command: spec.name, operand: operands[0], opts, globals };
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

/**
 * nsrecipe's entry: `--version` (or `-V`) alone is answered at once, with
 * nothing loaded (as commander would answer it: the version and a newline); an ordinary command line of a plain
 * command (`status`, `undo`, `exec`, …), `plan RECIPE` or `run RECIPE` is parsed without commander (`fast_path.ts`);
 * any other is handed to the command-line parser (`program.ts`), which loads in turn only what its command needs.
 *
 * @module
 */
import { VERSION } from "./hidden.ts";

/**
 * Runs nsrecipe with the given arguments.
 *
 * @param args Arguments without the program name, e.g. `["run", "netns", "--name", "web"]`.
 * @returns The process exit code (see README.md, "Exit codes").
 * @example
 * ```ts ignore
 * Deno.exit(await main(Deno.args));
 * ```
 */
export async function main(args: string[]): Promise<number> {
  if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
    console.log(VERSION);
    return 0;
  }
  // An ordinary command line of a plain command, plan RECIPE or run RECIPE runs without loading commander; anything
  // else, or anything unusual, is commander's (fast_parse.ts).
  const code = await (await import("./fast_path.ts")).runFastPath(args);
  return code ?? await (await import("./program.ts")).main(args);
}

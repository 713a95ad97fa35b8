/**
 * The plain commands' actions (`status`, `undo`, `journal`, `confirm`;
 * declared in `command_spec.ts`), called alike by commander's program
 * (`program.ts`) and by the fast path (`fast_path.ts`, for a command line
 * `fast_parse.ts` read without commander). Nothing here imports commander.
 *
 * @module
 */
import { UsageError } from "../errors.ts";
import type { PlainCommandLine } from "./command_spec.ts";
import { readGlobals, refuseDryRun, refuseElsewhere } from "./globals.ts";
import type { Output } from "./output.ts";

/**
 * Runs a plain command: reads its global options, refuses where it may not
 * run, then lazily imports its module and calls it.
 * @param line The parsed command line.
 * @param started Told the invocation's output as soon as it exists (it writes the `--json` document at the end).
 * @throws {UsageError} For contradicting options (`--deep` with `--quick`, a run with `--all`).
 * @throws {NsrecipeError} Whatever the command throws (see each command's module).
 */
export async function runPlainCommand(line: PlainCommandLine, started: (out: Output) => void): Promise<void> {
  const { g, out } = readGlobals(line.globals);
  started(out);
  refuseDryRun(line.command, g);
  const selector = line.operand;
  switch (line.command) {
    case "status": {
      await refuseElsewhere(g, out, false);
      if (line.opts.deep && line.opts.quick) throw new UsageError("Give either --deep or --quick, not both");
      const depth = line.opts.deep ? "deep" : line.opts.quick ? "quick" : undefined;
      return await (await import("./status.ts")).statusCommand(selector, g, out, depth);
    }
    case "undo":
      if (selector && line.opts.all) throw new UsageError("Give either a run or --all, not both");
      await refuseElsewhere(g, out, false);
      return await (await import("./undo.ts")).undoCommand(line.opts.all ? "--all" : selector, g, out);
    case "confirm":
      await refuseElsewhere(g, out, true);
      return await (await import("./confirm.ts")).confirmCommand(selector, g, out);
    case "journal":
      return await (await import("./journal.ts")).journalCommand(g, out, selector);
  }
}

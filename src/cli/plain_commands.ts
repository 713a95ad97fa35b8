/**
 * The plain commands' actions (`list`, `show`, `exec`, `shell`, `undo`,
 * `confirm`, `status`, `doctor`, `journal`, the watchdog; declared in
 * `command_spec.ts`), called alike by commander's program
 * (`program.ts`) and by the fast path (`fast_path.ts`, for a command line
 * `fast_parse.ts` read without commander). Nothing here imports commander.
 *
 * @module
 */
import { EXIT, UsageError } from "../errors.ts";
import type { PlainCommandLine } from "./command_spec.ts";
import type { DoctorOptions } from "./doctor.ts";
import { readGlobals, refuseDryRun, refuseElsewhere } from "./globals.ts";
import type { Output } from "./output.ts";
import { WATCHDOG_COMMAND } from "./hidden.ts";

/**
 * Runs a plain command: reads its global options, refuses where it may not
 * run, then lazily imports its module and calls it.
 * @param line The parsed command line.
 * @param started Told the invocation's output as soon as it exists (it writes the `--json` document at the end).
 * @returns The exit code: the command's own for `exec`, `shell`, `doctor` and the watchdog, else 0.
 * @throws {UsageError} For contradicting options (`--deep` with `--quick`, a run with `--all`), `exec` without a
 *   command.
 * @throws {NsrecipeError} Whatever the command throws (see each command's module).
 */
export async function runPlainCommand(line: PlainCommandLine, started: (out: Output) => void): Promise<number> {
  const [selector] = line.operands;
  if (line.command === "exec" && line.inside.length === 0) {
    // Said alike whether '--' was typed with nothing after it or not at all.
    const run = selector ?? "RUN";
    throw new UsageError(
      "No command given to run inside: 'exec' takes it after '--'",
      `For example: nsrecipe exec ${run} -- ip -br addr; for a shell: nsrecipe shell ${run}`,
    );
  }
  const { g, out } = readGlobals(line.globals);
  started(out);
  refuseDryRun(line.command, g);
  switch (line.command) {
    case "list":
      (await import("./list.ts")).listCommand(out);
      return EXIT.ok;
    case "show":
      (await import("./show.ts")).showCommand(selector, out);
      return EXIT.ok;
    case "exec":
    case "shell": {
      await refuseElsewhere(g, out, true);
      const { execCommand } = await import("./exec.ts");
      const shell = line.command === "shell" ? String(line.opts.shell) : "";
      return await execCommand(selector, { command: line.inside, shell }, g, out);
    }
    case "status": {
      await refuseElsewhere(g, out, false);
      if (line.opts.deep && line.opts.quick) throw new UsageError("Give either --deep or --quick, not both");
      const depth = line.opts.deep ? "deep" : line.opts.quick ? "quick" : undefined;
      await (await import("./status.ts")).statusCommand(selector, g, out, depth);
      return EXIT.ok;
    }
    case "undo":
      if (selector && line.opts.all) throw new UsageError("Give either a run or --all, not both");
      await refuseElsewhere(g, out, false);
      await (await import("./undo.ts")).undoCommand(line.opts.all ? "--all" : selector, g, out);
      return EXIT.ok;
    case "confirm":
      await refuseElsewhere(g, out, true);
      await (await import("./confirm.ts")).confirmCommand(selector, g, out);
      return EXIT.ok;
    case "doctor":
      await refuseElsewhere(g, out, false);
      return await (await import("./doctor.ts")).doctorCommand(line.opts as DoctorOptions, g, out);
    case "journal":
      await (await import("./journal.ts")).journalCommand(g, out, selector);
      return EXIT.ok;
    case WATCHDOG_COMMAND:
      return await (await import("./watchdog.ts")).watchdogCommand(selector, Number(line.operands[1]), g, out);
  }
}

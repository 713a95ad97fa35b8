/**
 * Shell completion for bash, zsh, fish and powershell, generated from the commander
 * definitions by `@bomb.sh/tab`'s commander adapter: subcommands (recipes
 * included, as `run`'s and `plan`'s subcommands), their options and the
 * choices commander knows. nsrecipe adds run names for the arguments that
 * take one (`undo`, `status`, `confirm`, `exec`, `shell`).
 *
 * `nsrecipe completions bash|zsh|fish|powershell` prints the script; the script asks
 * `nsrecipe complete -- WORDS…` at each TAB (so `nsrecipe` must be in PATH),
 * which prints one candidate per line (`value<TAB>description`) and a
 * directive line.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import { foldRuns, isOpen, readJournal } from "../journal/mod.ts";
import { UsageError } from "../errors.ts";
import { quote } from "../quote.ts";
import { bashCompletionScript } from "./completion_bash.ts";
import { neededArgument } from "./usage_line.ts";

/** The shells `nsrecipe completions SHELL` writes a script for. */
export const SHELLS: readonly string[] = ["bash", "zsh", "fish", "powershell"];

/** The commands whose argument named `run` takes a run's name. */
export const RUN_ARGUMENT_COMMANDS: readonly string[] = ["undo", "status", "confirm", "exec", "shell"];

/** The subcommand words that need completion set up before parsing. */
export const COMPLETION_COMMANDS: ReadonlySet<string> = new Set(["completions", "complete"]);

/**
 * The applied runs' names and what each is, for completion: read without the
 * lock (`readJournal`), and none at all when the journal cannot be read (not
 * root, no journal yet): completion must never fail or wait.
 * @param stateDir The state directory.
 * @returns `[name, description]` pairs, newest run first.
 */
export async function runNames(stateDir: string): Promise<[string, string][]> {
  try {
    const { runs } = foldRuns(await readJournal(stateDir));
    return runs.filter(isOpen).reverse().map((r) => [r.label, `${r.recipe} run ${r.id}`]);
  } catch {
    return []; // completion offers no names rather than an error on the user's command line
  }
}

/**
 * Adds `completions SHELL` and the hidden `complete -- WORDS…` to the
 * program (through the adapter), with run names for the arguments that take
 * one. Loaded only when one of them is the command given.
 * @param program The whole command tree, every subcommand defined.
 * @param names The run names to offer (see {@link runNames}).
 */
export async function addCompletion(
  program: Command<any, any, any>,
  names: readonly [string, string][],
): Promise<void> {
  const { default: tab } = await import("@bomb.sh/tab/commander");
  const root = tab(program as never, { completionCommandName: "completions" });
  // In the house style of the other descriptions (the adapter's says "Generate shell completion scripts").
  const completions = program.commands.find((c) => c.name() === "completions");
  if (completions) {
    completions.description(
      "print the shell completion script (bash, zsh, fish; also powershell), e.g. " +
        "'nsrecipe completions bash > /etc/bash_completion.d/nsrecipe'",
    );
    const shellArgument = completions.registeredArguments[0];
    // nsrecipe checks the shell itself (commander's own wording is in another voice than the rest).
    shellArgument.description = `the shell: ${SHELLS.join(", ")}`;
    shellArgument.argChoices = undefined;
    shellArgument.parseArg = undefined;
    const { default: generator } = await import("@bomb.sh/tab");
    completions.action((...args: unknown[]) => {
      const shell = String(args[0]);
      if (!SHELLS.includes(shell)) {
        throw new UsageError(
          `No completion script for the shell ${quote(shell)}: nsrecipe writes one for ${SHELLS.join(", ")}`,
          "e.g. 'nsrecipe completions bash > /etc/bash_completion.d/nsrecipe'.",
        );
      }
      // bash: nsrecipe's own script (completion_bash.ts); the others as the library writes them.
      if (shell === "bash") console.log(bashCompletionScript(program.name()).trimEnd());
      else generator.setup(program.name(), program.name(), shell);
    });
  }
  // The candidates' descriptions were copied when the adapter read the program: the completion script's too.
  const completionsCandidate = root.commands.get("completions");
  if (completions && completionsCandidate) completionsCandidate.description = completions.description();
  const complete = program.commands.find((c) => c.name() === "complete");
  if (complete) speakForComplete(complete, program);
  for (const name of RUN_ARGUMENT_COMMANDS) {
    const argument = root.commands.get(name)?.arguments.get("run");
    if (argument) argument.handler = (complete) => names.forEach(([n, d]) => complete(n, d));
  }
}

/**
 * The hidden `complete` command in nsrecipe's voice: the adapter describes it
 * as "Generate completion suggestions" and, without `--`, refuses it with its
 * own "Completion requests are called like `complete -- [args]`".
 * @param complete The adapter's `complete` command.
 * @param program The root command (its raw arguments say whether `--` was given).
 */
function speakForComplete(complete: Command<any, any, any>, program: Command<any, any, any>): void {
  complete.description(
    "print the candidates that complete a command line, one 'value<TAB>description' a line, then ':N' (the " +
      "directive for the shell); the completion scripts run it at each TAB",
  );
  const words = complete.registeredArguments[0];
  if (words) {
    words.description =
      "the command line's words after 'nsrecipe', the last the word being completed ('' for a new one)";
    neededArgument(words);
  }
  complete.hook("preAction", (_hooked, cmd) => {
    // Commander's rawArgs: the arguments parsed (nsrecipe parses them `from: "user"`).
    const raw = (program as unknown as { rawArgs: string[] }).rawArgs;
    if (raw.indexOf("--") > raw.indexOf("complete")) return;
    const first = (cmd.args as string[])[0];
    throw new UsageError(
      "'complete' takes the words to complete after '--', e.g. nsrecipe complete -- status ''",
      first !== undefined && SHELLS.includes(first)
        ? `For the completion script of ${first}: nsrecipe completions ${first}.`
        : `For a shell's completion script: nsrecipe completions SHELL (${SHELLS.join(", ")}).`,
    );
  });
}

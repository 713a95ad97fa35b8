/**
 * Shell completion for bash, zsh, fish and powershell, generated from the commander
 * definitions by `@bomb.sh/tab`'s commander adapter: subcommands (recipes
 * included, as `run`'s and `plan`'s subcommands), their options and the
 * choices commander knows. nsrecipe adds run names for the arguments that
 * take one (applied runs for `undo`, `status`, `exec`, `shell`; runs whose
 * window is open for `confirm`; every run the journal holds for `journal`),
 * recipe names for `show` and command names for `help`.
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

/** The commands whose argument named `run` takes an applied run's name. */
export const RUN_ARGUMENT_COMMANDS: readonly string[] = ["undo", "status", "exec", "shell"];

/** The subcommand words that need completion set up before parsing. */
export const COMPLETION_COMMANDS: ReadonlySet<string> = new Set(["completions", "complete"]);

/** A candidate for completion: `[value, description]`. */
export type Candidate = [string, string];

/** The run names completion offers, by the commands that take them. */
export interface RunCandidates {
  /** Applied (open) runs, newest first: `undo`, `status`, `exec`, `shell`. */
  open: Candidate[];
  /** Open runs whose confirmation window is still open (before its deadline), newest first: `confirm`. */
  windows: Candidate[];
  /** Every run the journal holds, closed ones too, newest first, each name once: `journal`. */
  all: Candidate[];
}

/** No run names (the journal unread, or a command that offers none). */
export const NO_RUNS: RunCandidates = { open: [], windows: [], all: [] };

/**
 * The runs' names and what each is, for completion: read without the
 * lock (`readJournal`, the live journal only, not the archive), and none at
 * all when the journal cannot be read (not root, no journal yet): completion
 * must never fail or wait.
 * @param stateDir The state directory.
 * @param now The time, in ms since the epoch: a window past its deadline is not offered to `confirm`.
 * @returns The names by the commands that take them, each newest run first.
 */
export async function runNames(stateDir: string, now: number = Date.now()): Promise<RunCandidates> {
  try {
    const runs = foldRuns(await readJournal(stateDir)).runs.toReversed();
    const open = runs.filter(isOpen);
    const seen = new Set<string>();
    return {
      open: open.map((r) => [r.label, `${r.recipe} run ${r.id}`]),
      // A window whose deadline passed cannot be confirmed any more ("Too late"), its watchdog gone or not.
      windows: open.filter((r) => r.confirm?.state === "pending" && r.confirm.deadline > now)
        .map((r) => [r.label, `${r.recipe} run ${r.id}`]),
      all: runs.filter((r) => !seen.has(r.label) && seen.add(r.label)).map((r) => [r.label, `${r.recipe} run ${r.id}`]),
    };
  } catch {
    return NO_RUNS; // completion offers no names rather than an error on the user's command line
  }
}

/**
 * Adds `completions SHELL` and the hidden `complete -- WORDS…` to the
 * program (through the adapter), with run names for the arguments that take
 * one, recipe names for `show`'s and command names for `help`'s. Loaded
 * only when one of them is the command given.
 * @param program The whole command tree, every subcommand defined.
 * @param names The run names to offer (see {@link runNames}).
 */
export async function addCompletion(
  program: Command<any, any, any>,
  names: RunCandidates,
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
  const offer = (command: string, argument: string, candidates: readonly Candidate[]) => {
    const found = root.commands.get(command)?.arguments.get(argument);
    if (found) found.handler = (complete) => candidates.forEach(([n, d]) => complete(n, d));
  };
  for (const name of RUN_ARGUMENT_COMMANDS) offer(name, "run", names.open);
  offer("confirm", "run", names.windows);
  offer("journal", "run", names.all);
  // `show RECIPE` takes what `run` and `plan` take as subcommands; `help COMMAND` the visible commands.
  const recipes = program.commands.find((c) => c.name() === "run")?.commands ?? [];
  offer("show", "recipe", recipes.map((c) => [c.name(), c.description()]));
  const visible = program.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
  offer("help", "command", visible.map((c) => [c.name(), c.description()]));
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

/**
 * The hand-written sections of the manual page (the commands and options
 * come from the commander definitions, see manual.ts).
 *
 * @module
 */
import type { ManualProse } from "./manual.ts";

/** NAME, DESCRIPTION, EXIT STATUS, FILES, SEE ALSO. */
export const MANUAL_PROSE: ManualProse = {
  summary: "set up Linux namespaces by named recipes, journaled and reversible",
  description: [
    "nsrecipe builds network and PID namespaces by named recipes (pid-only, netns, veth-bridge, full-migrate). " +
    "Every change to the host is a journaled, reversible step: 'nsrecipe run RECIPE' applies them, " +
    "'nsrecipe undo' puts the host back exactly, even after nsrecipe was killed half-way.",
    "Everything after '--' is the command to run inside; a word between the recipe and '--' is refused. " +
    "'nsrecipe exec NAME -- CMD' and 'nsrecipe shell NAME' get back into an applied run's network and PID namespaces.",
    "With --json, stdout carries exactly one JSON document per invocation, errors included: 'ok', 'exitCode', " +
    "'exitFrom' ('command' when the exit code is that of the command run inside, else 'nsrecipe') and 'error'.",
    "Shell completion: 'nsrecipe completions bash > /etc/bash_completion.d/nsrecipe' (also zsh, fish).",
  ],
  sections: [
    ["EXIT STATUS", [
      "0 success; after 'run -- CMD' or 'exec', the command's own exit code (see --json's 'exitFrom').",
      "1 internal error (a bug: please report it).",
      "2 usage: bad option or input; nothing changed.",
      "3 precondition failed: not root, name taken, program missing; nothing changed.",
      "4 a step failed and every step already done was rolled back, or a run was not confirmed and was undone.",
      "5 rollback or undo incomplete: the host needs attention ('nsrecipe status', then 'nsrecipe undo' again).",
    ]],
    ["FILES", [
      "/run/nsrecipe/journal.jsonl: the journal, one JSON record per line; /run/nsrecipe/lock: the lock.",
    ]],
    ["SEE ALSO", ["ip(8), ip-netns(8), unshare(1), nsenter(1), script(1), pid_namespaces(7)."]],
  ],
};

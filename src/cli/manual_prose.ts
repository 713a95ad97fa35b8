/**
 * The hand-written sections of the manual page (the commands and options
 * come from the commander definitions, see manual.ts).
 *
 * @module
 */
import type { ManualProse } from "./manual.ts";
import { EXIT_MEANINGS } from "../errors.ts";

/** NAME, DESCRIPTION, EXIT STATUS, FILES, SEE ALSO. */
export const MANUAL_PROSE: ManualProse = {
  summary: "set up Linux namespaces by named recipes, journaled and reversible",
  description: [
    "nsrecipe builds network and PID namespaces by named recipes (pid-only, netns, veth-bridge, full-migrate). " +
    "Every change to the host is a journaled, reversible step: 'nsrecipe run RECIPE' applies them, " +
    "'nsrecipe undo' puts the host back exactly, even after nsrecipe was killed half-way.",
    "Everything after '--' is the command to run inside; a word between the recipe and '--' is refused. " +
    "'nsrecipe exec RUN -- CMD' and 'nsrecipe shell RUN' get back into an applied run's network and PID namespaces.",
    "With --json, stdout carries exactly one JSON document per invocation, errors included: 'ok', 'exitCode', " +
    "'exitFrom' ('command' when the exit code is that of the command run inside, else 'nsrecipe') and 'error'.",
    "Shell completion: 'nsrecipe completions bash > /etc/bash_completion.d/nsrecipe' (also zsh, fish, powershell).",
  ],
  sections: [
    ["EXIT STATUS", Object.entries(EXIT_MEANINGS).map(([code, meaning]) => `${code} ${meaning.replaceAll("`", "'")}.`)],
    ["FILES", [
      "/run/nsrecipe (or the --state-dir): journal.jsonl, the journal, one JSON record per line; journal.checked, " +
      "how far its records were already checked; journal.archive-N.jsonl and journal.archive-N.checked, the runs " +
      "moved out of the journal (history only) and their mark; lock, which serialises the nsrecipe processes that change things " +
      "('status' and 'journal' only read, and take none).",
      "/run/nsrecipe/host-DEV-INODE.lock: the host lock (DEV and INODE identify the network namespace nsrecipe acts " +
      "in), which serialises those processes whatever their --state-dir.",
    ]],
    ["SEE ALSO", ["ip(8), ip-netns(8), unshare(1), nsenter(1), script(1), pid_namespaces(7)."]],
  ],
};

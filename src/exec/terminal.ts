/**
 * A pseudo-terminal of its own for a shell started inside a new PID namespace.
 *
 * Why: a job-control shell (dash, bash, zsh) records the terminal's foreground
 * process group when it starts and gives the terminal back to it when it
 * exits (tcsetpgrp(3)). Started by `unshare --fork --pid`, it inherits a
 * process group whose leader lies outside its PID namespace, and such an id
 * reads as 0 inside it (pid_namespaces(7)); at `exit` the shell cannot hand
 * the terminal back, and dash says "Cannot set tty process group (No such
 * process)" and exits 2. No process inside the namespace can take the
 * caller's terminal without stealing it from the caller's session
 * (TIOCSCTTY with force, tty_ioctl(4)), and nsrecipe cannot hand it over
 * itself (Deno has no tcsetpgrp). So, as `machinectl shell` and
 * `docker exec -t` do, the shell gets a fresh pseudo-terminal: script(1)
 * (util-linux) runs inside the namespaces, opens a pty whose session and
 * foreground group the shell leads, relays it to the caller's terminal
 * (raw mode, window size), and with `-e` exits with the shell's exit code.
 *
 * @module
 */
import { UsageError } from "../errors.ts";

/** The shell script(1) uses to start the command given with `-c`. */
const SCRIPT_SHELL = "/bin/sh";

/**
 * Quotes one word for a POSIX shell: always single quotes, with `'` written as `'\''`.
 * @param word Any string.
 * @returns The quoted word, e.g. `'it'\''s'`.
 */
export function posixQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * The argv that runs `argv` on a pseudo-terminal of its own (script(1)),
 * for a command that is about to get the caller's terminal inside a new PID
 * namespace. script(1) of util-linux 2.38 takes the command only as a string
 * for `/bin/sh -c` (it runs `$SHELL -c`, hence `env SHELL=/bin/sh`); every word
 * is single-quoted and the shell `exec`s the command, so no word is ever
 * interpreted. `SHELL` is restored for the command to the caller's value.
 *
 * @param argv The command, e.g. `["/bin/bash"]`.
 * @param env Variables set for the command (e.g. `{ NSRECIPE_RUN: "web" }`),
 *   and `SHELL`: the caller's `$SHELL`, or `undefined` to unset it.
 * @returns e.g. `["env", "SHELL=/bin/sh", "script", "-q", "-e", "-c", "SHELL='/bin/bash' exec '/bin/bash'", "/dev/null"]`.
 * @example
 * ```ts
 * import { onOwnTerminal } from "./terminal.ts";
 * onOwnTerminal(["ip", "-br", "a"], { SHELL: "/bin/bash" });
 * ```
 */
export function onOwnTerminal(argv: readonly string[], env: Record<string, string | undefined>): string[] {
  const assignments = Object.entries(env).filter(([, v]) => v !== undefined).map(([k, v]) =>
    `${k}=${posixQuote(v as string)}`
  );
  const unsets = Object.entries(env).filter(([, v]) => v === undefined).map(([k]) => `unset ${k}; `).join("");
  const line = `${unsets}${[...assignments, "exec", ...argv.map(posixQuote)].join(" ")}`;
  return ["env", `SHELL=${SCRIPT_SHELL}`, "script", "--quiet", "--return", "--command", line, "/dev/null"];
}

/**
 * What a shell nsrecipe opens is told about where it runs: a prompt for
 * shells that take `PS1` from the environment (dash, sh), Debian's
 * `debian_chroot` that bash's default `~/.bashrc` shows in front of its
 * prompt, and `NSRECIPE_RUN` for anyone's own prompt.
 * @param where e.g. `nsrecipe:web` or `nsrecipe-lab`.
 * @returns Variables for {@link onOwnTerminal}, e.g. `{ NSRECIPE_RUN: "nsrecipe:web", PS1: "[nsrecipe:web] # ", debian_chroot: "nsrecipe:web" }`.
 */
export function whereEnv(where: string): Record<string, string> {
  return { NSRECIPE_RUN: where, PS1: `[${where}] # `, debian_chroot: where };
}

/** The programs {@link onOwnTerminal} adds in front of a command. */
export const OWN_TERMINAL_PROGRAMS: readonly string[] = ["env", "script"];

/**
 * Whether a command nsrecipe hands the terminal to gets a pseudo-terminal of
 * its own ({@link onOwnTerminal}): when stdin and stdout are both terminals.
 * With stdout redirected (`nsrecipe run netns -- ip a > file`) the command
 * writes straight to it: a pty would turn its newlines into CR LF (the
 * terminal's `onlcr`, termios(3)).
 * @returns `true` on an interactive terminal.
 */
export function ownTerminalWanted(): boolean {
  return Deno.stdin.isTerminal() && Deno.stdout.isTerminal();
}

/**
 * Refuses an interactive shell when stdin is a terminal but stdout is not
 * (`nsrecipe shell web > log`): the shell would be interactive (it reads the
 * terminal) without a terminal of its own, so its prompt, the run's name in
 * it and `NSRECIPE_RUN` would be missing, and on `exit` it would leave the
 * terminal's foreground process group behind, stopping nsrecipe (SIGTTOU,
 * termios(3) job control). A shell reading a script from a pipe or file
 * (stdin not a terminal) is fine: it is not interactive.
 * @param what How the command line names the shell, e.g. `'nsrecipe shell web'`.
 * @param ways The other ways out, after "Leave stdout on the terminal, ":
 *   how this command runs a command instead (`run`: after `--`; `shell`:
 *   `nsrecipe exec web -- CMD`, since `shell` takes none), e.g. `or run a
 *   command with 'nsrecipe exec web -- CMD' (its output goes where stdout goes)`.
 * @throws {UsageError} When stdin is a terminal and stdout is not.
 */
export function refuseHalfTerminalShell(what: string, ways: string): void {
  if (Deno.stdin.isTerminal() && !Deno.stdout.isTerminal()) {
    throw new UsageError(
      `A shell needs stdout on the terminal too: with stdout redirected, ${what} would open an unmarked shell ` +
        "without a terminal of its own; nothing was changed",
      `Leave stdout on the terminal, ${ways}.`,
    );
  }
}

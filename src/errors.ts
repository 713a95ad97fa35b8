/**
 * The error classes of nsrecipe. Every expected failure is an {@link NsrecipeError}
 * carrying the process exit code that `main.ts` maps it to; anything else is a bug
 * and exits with {@link EXIT.internal}.
 *
 * @module
 */
import { quote } from "./quote.ts";

/**
 * Stable process exit codes, documented in README.md.
 *
 * - `ok` 0: success.
 * - `internal` 1: an unexpected error (a bug): please report it.
 * - `usage` 2: bad option or input; nothing was changed.
 * - `precondition` 3: the host is not fit for the request (not root, name
 *   taken, stale namespace file, journal busy); nothing was changed.
 * - `rolledBack` 4: a step failed, or a signal stopped `run`, and every step
 *   already done was reverted; or a run was not confirmed and was undone.
 * - `attention` 5: rollback or undo could not complete; the host needs
 *   attention (`nsrecipe status` says what is left).
 */
export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  precondition: 3,
  rolledBack: 4,
  attention: 5,
} as const;

/**
 * What each exit code means, in README's words: the one source of README's
 * "Exit codes" table (a unit test compares them) and the manual page's EXIT
 * STATUS. A `--state-dir` outside the paths nsrecipe may write is a bad option
 * value (2); one inside them that cannot be trusted is a precondition (3).
 */
export const EXIT_MEANINGS: Readonly<Record<ExitCode, string>> = {
  0: "success (for `run -- CMD`: CMD's own exit code once setup succeeded)",
  1: "internal error (a bug: please report it)",
  2: "usage: bad option or input (a `--state-dir` outside `/run/nsrecipe` and `/var/lib/nsrecipe` among them, a " +
    "`-- CMD` not found in PATH); nothing changed",
  3: "precondition failed: not root, name taken, stale namespace file, a program nsrecipe needs missing (`ip`, " +
    "`unshare`, ...), a state directory that cannot be trusted (a symlink, writable by others, not a directory); nothing " +
    "changed",
  4: "a step failed, or `run` was interrupted (Ctrl-C, SIGTERM, SIGHUP) before or while it applied its plan, and every step " +
    "already done was rolled back; or a run was not confirmed and was undone",
  5: "the host needs attention: rollback or undo incomplete, or undo refused to start over something attached to " +
    "what it would delete (the run stays applied: `nsrecipe status`, fix, then `nsrecipe undo` again), or undo left " +
    "alone an object someone else made under the run's name (the run is closed: look at that object yourself)",
};

/** One of the values of {@link EXIT}. */
export type ExitCode = typeof EXIT[keyof typeof EXIT];

/**
 * Base class of every expected nsrecipe failure.
 *
 * @example Telling the kind apart
 * ```ts ignore
 * try { await run(); } catch (e) {
 *   if (e instanceof NsrecipeError) Deno.exitCode = e.exitCode;
 * }
 * ```
 */
export class NsrecipeError extends Error {
  /** Exit code the process ends with when this error reaches `main.ts`. */
  readonly exitCode: ExitCode;
  /** What the user should do next, one sentence; may be empty. */
  readonly hint: string;

  /**
   * Creates an expected failure with its exit code.
   * @param message What failed, capitalised, quoting the subject.
   * @param exitCode The {@link EXIT} code for this failure.
   * @param hint What to do next.
   */
  constructor(message: string, exitCode: ExitCode, hint = "") {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.hint = hint;
  }
}

/**
 * A bad option, argument or input file. Nothing was changed on the host.
 * Exit code {@link EXIT.usage}.
 */
export class UsageError extends NsrecipeError {
  /**
   * Creates a usage error (exit code {@link EXIT.usage}).
   * @param message What is wrong with the input, quoting it.
   * @param hint What to type instead.
   */
  constructor(message: string, hint = "") {
    super(message, EXIT.usage, hint);
  }
}

/**
 * A run selector (an id or a name) that matches no run ({@link noRunCalled}):
 * a usage error (exit 2) that names the selector, so that a command can look
 * further (the journal's archive, `src/cli/archived.ts`) before it reports it.
 */
export class NoRunError extends UsageError {
  /** The id or name given. */
  readonly selector: string;

  /**
   * Creates the error (exit code {@link EXIT.usage}).
   * @param selector The id or name given.
   * @param message What is wrong, quoting it.
   * @param hint Where to look for the runs.
   */
  constructor(selector: string, message: string, hint: string) {
    super(message, hint);
    this.selector = selector;
    // What it is to whoever reads it (`--json`'s error kind): a usage error, as before it had a class of its own.
    this.name = "UsageError";
  }
}

/**
 * The one wording for a run selector (an id or a name) that matches no run,
 * whichever command was given it (`undo`, `exec`, `shell`, `status`,
 * `confirm`, `journal`).
 * @param selector The id or name given.
 * @param among Which runs were searched: the applied ones, every run in the
 *   journal (`all`), or every run in the journal at `stateDir` (`journal`).
 * @param stateDir The state directory, for `journal`.
 * @returns The usage error ({@link NoRunError}), e.g. `No applied run is called 'web'`.
 */
export function noRunCalled(selector: string, among: "applied" | "all" | "journal", stateDir = ""): NoRunError {
  const where = among === "journal" ? ` in the journal ${quote(stateDir)}` : "";
  return new NoRunError(
    selector,
    `No ${among === "applied" ? "applied run" : "run"} is called ${quote(selector)}${where}`,
    among === "applied"
      ? "'nsrecipe status' lists the applied runs by name and id."
      : "'nsrecipe journal' lists every run by name and id; 'nsrecipe status' the applied ones.",
  );
}

/**
 * The host is not fit for the request: not root, a name already taken, a
 * stale `/run/netns` entry, a journal that cannot be read safely. Nothing was
 * changed. Exit code {@link EXIT.precondition}.
 */
export class PreconditionError extends NsrecipeError {
  /**
   * True when `--force` waives it: host configuration the change would break
   * (firewall rules or sockets naming the uplink, DHCP-managed addresses), not
   * a change that cannot be made. `plan` then still shows the plan it would
   * apply with `--force`, and reports this refusal after it (exit 3).
   */
  readonly waivedByForce: boolean;

  /**
   * Creates a precondition error (exit code {@link EXIT.precondition}).
   * @param message What is wrong with the host, quoting the subject.
   * @param hint How to fix it.
   * @param opts `waivedByForce`: see {@link PreconditionError.waivedByForce}.
   */
  constructor(message: string, hint = "", opts: { waivedByForce?: boolean } = {}) {
    super(message, EXIT.precondition, hint);
    this.waivedByForce = opts.waivedByForce === true;
  }
}

/**
 * A command run by nsrecipe exited with a status its caller did not expect,
 * or could not be started. Carries the argv, the exit code and the program's
 * own stderr (for iproute2, e.g. `RTNETLINK answers: File exists`). Exit code
 * {@link EXIT.internal}, or {@link EXIT.precondition} when the program could
 * not be started (code -1: not installed, not in PATH): the host is not fit.
 */
export class CommandError extends NsrecipeError {
  /** The argv that ran, `argv[0]` the program. */
  readonly argv: readonly string[];
  /** The exit code it returned (or -1 when it could not be started). */
  readonly code: number;
  /** Its stderr, trimmed. */
  readonly stderr: string;

  /**
   * Creates the error for a failed command; the message names the argv, the exit code and stderr.
   * @param argv The command that failed.
   * @param code Its exit code, -1 if it could not start.
   * @param stderr Its trimmed stderr.
   * @param hint What to do next (see `hintFor` in `src/exec`).
   */
  constructor(argv: readonly string[], code: number, stderr: string, hint = "") {
    super(
      code === -1
        ? `Command '${argv.join(" ")}' could not be started: ${stderr}`
        : `Command '${argv.join(" ")}' failed (exit ${code})${stderr ? `: ${stderr}` : ""}`,
      code === -1 ? EXIT.precondition : EXIT.internal,
      hint,
    );
    this.argv = argv;
    this.code = code;
    this.stderr = stderr;
  }
}

/**
 * A step of a run failed (its command failed or its effect could not be
 * verified) and the steps done before it were rolled back completely.
 * Exit code {@link EXIT.rolledBack}.
 */
export class StepError extends NsrecipeError {
  /** Index of the failed step in the plan, 0-based. */
  readonly stepIndex: number;
  /** The step's human summary, e.g. `create network namespace 'web'`. */
  readonly summary: string;
  /** The underlying command failure, when a command failed. */
  readonly command?: CommandError;

  /**
   * Creates the error for a failed, rolled-back step; the message counts steps from 1.
   * @param stepIndex Index of the failed step in the plan, 0-based.
   * @param summary The step's summary.
   * @param reason Why it failed (iproute2's message or the failed check).
   * @param hint What to do next.
   * @param command The command failure behind it, if any.
   */
  constructor(
    stepIndex: number,
    summary: string,
    reason: string,
    hint: string,
    command?: CommandError,
  ) {
    super(
      // iproute2's own message may end with a full stop ("Error: ipv6: IPv6 is disabled on this device."): one only.
      `Step ${stepIndex + 1} (${summary}) failed: ${
        reason.replace(/\.$/, "")
      }. Every step done before it was rolled back`,
      EXIT.rolledBack,
      hint,
    );
    this.stepIndex = stepIndex;
    this.summary = summary;
    this.command = command;
  }
}

/**
 * A signal (SIGINT, SIGTERM or SIGHUP) asked `run` to stop while it applied
 * its plan: the step in progress was finished, then every step done was
 * rolled back (journaled as a rollback: `run-end` `rolled-back`). Exit code
 * {@link EXIT.rolledBack}.
 */
export class InterruptedError extends NsrecipeError {
  /** The signal that asked to stop, e.g. `SIGINT`. */
  readonly signal: string;
  /** How many steps had been done (and were rolled back); 0 when nothing had changed. */
  readonly stepsDone: number;

  /**
   * Creates the error once the rollback is complete.
   * @param signal The signal, e.g. `SIGINT`.
   * @param run The run's id; `""` when the signal came before the run began (its checks and plan): nothing
   *   was recorded or changed.
   * @param stepsDone Steps done before the stop, all rolled back.
   * @param total Steps in the plan.
   * @param planLine The command line that shows the interrupted run's steps, for the hint: `plan` with the recipe
   *   and the options it was given, e.g. `nsrecipe plan veth-bridge --name demo`.
   */
  constructor(signal: string, run: string, stepsDone: number, total: number, planLine: string) {
    super(
      run === ""
        ? `Interrupted by ${signal} before the run began: nothing was changed`
        : `Run ${run} was rolled back: the host is as it was (interrupted by ${signal} ` +
          (stepsDone > 0 ? `after step ${stepsDone} of ${total})` : `before its first step: nothing had changed)`),
      EXIT.rolledBack,
      `Run the recipe again when ready ('${planLine}' shows its steps).`,
    );
    this.signal = signal;
    this.stepsDone = stepsDone;
  }
}

/**
 * Rollback or undo could not revert every step; the journal keeps the run open
 * so that `nsrecipe undo` can be run again. Exit code {@link EXIT.attention}.
 */
export class UndoError extends NsrecipeError {
  /** One line per inverse step that failed: summary and reason. */
  readonly failures: readonly string[];

  /**
   * Creates an undo error; the message lists the failures one per line.
   * @param message What could not be completed, naming the run.
   * @param failures One line per failed inverse step.
   * @param hint What to do next.
   */
  constructor(message: string, failures: readonly string[], hint: string) {
    super(`${message}:\n  ${failures.join("\n  ")}`, EXIT.attention, hint);
    this.failures = failures;
  }
}

/**
 * The one place that spawns processes. Everything else receives a
 * {@link Runner} and never calls `Deno.Command` itself, so unit tests can pass
 * a recording fake and `--verbose` sees every command.
 *
 * @module
 */
import { CommandError } from "../errors.ts";
import { hintFor } from "./hints.ts";

/** Options for one command. */
export interface ExecOptions {
  /** Exit codes that count as success; default `[0]`. */
  okCodes?: readonly number[];
  /** Text written to the command's stdin; default: stdin closed. */
  stdin?: string;
  /** Kill the command (SIGKILL) after this many milliseconds; default none. */
  timeoutMs?: number;
}

/** What one finished command produced. */
export interface ExecResult {
  /** The argv that ran, `argv[0]` the program (looked up in PATH). */
  argv: readonly string[];
  /** Exit code; 128 + signal number when killed by a signal. */
  code: number;
  /** Captured stdout, UTF-8. */
  stdout: string;
  /** Captured stderr, UTF-8, trimmed. */
  stderr: string;
  /** Wall-clock duration in milliseconds. */
  durationMs: number;
}

/**
 * Runs one command from an argv array (never through a shell) and captures
 * its output.
 *
 * @param argv Program and arguments, e.g. `["ip", "-json", "link"]`.
 * @param opts See {@link ExecOptions}.
 * @returns The finished command.
 * @throws {CommandError} When the exit code is not in `opts.okCodes`, or the
 *   program cannot be started (code -1, e.g. not in PATH).
 */
export type Runner = (
  argv: readonly string[],
  opts?: ExecOptions,
) => Promise<ExecResult>;

/** Where verbose command traces go; one line per command. */
export type TraceSink = (line: string) => void;

/** Linux signal numbers (signal(7)), for the shell's `128 + N` exit code of a command killed by one. */
const SIGNALS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGSYS: 31,
};

/** The Debian package that provides each program nsrecipe runs. */
export const PACKAGE_OF: Readonly<Record<string, string>> = {
  ip: "iproute2",
  unshare: "util-linux",
  mount: "mount",
  kill: "procps",
  sysctl: "procps",
  cat: "coreutils",
  head: "coreutils",
  test: "coreutils",
};

/**
 * What to do about a program that is not installed or not in PATH.
 * @param program e.g. `ip`.
 * @returns One sentence naming the Debian package.
 */
export function installHint(program: string): string {
  const pkg = PACKAGE_OF[program];
  return pkg ? `Install it ('apt install ${pkg}') or fix PATH.` : "Install it or fix PATH.";
}

/**
 * Builds the real {@link Runner} on `Deno.Command`.
 *
 * @param trace When given, called after each command with
 *   `$ argv… (exit N, D ms)` and its stderr: this is `--verbose`.
 * @returns A runner that spawns real processes.
 * @example
 * ```ts ignore
 * const run = realRunner();
 * const { stdout } = await run(["ip", "-json", "link", "show"]);
 * ```
 */
export function realRunner(trace?: TraceSink): Runner {
  return async (argv, opts = {}) => {
    const started = performance.now();
    const [program, ...args] = argv;
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(program, {
        args,
        stdin: opts.stdin === undefined ? "null" : "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        throw new CommandError(
          argv,
          -1,
          `'${program}' was not found in PATH`,
          installHint(program),
        );
      }
      throw e;
    }
    if (opts.stdin !== undefined) {
      const w = child.stdin.getWriter();
      await w.write(new TextEncoder().encode(opts.stdin));
      await w.close();
    }
    const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs);
    const out = await child.output().finally(() => clearTimeout(timer));
    const code = out.signal ? 128 + (SIGNALS[out.signal] ?? 0) : out.code;
    const result: ExecResult = {
      argv,
      code,
      stdout: new TextDecoder().decode(out.stdout),
      stderr: new TextDecoder().decode(out.stderr).trim(),
      durationMs: Math.round(performance.now() - started),
    };
    trace?.(
      `$ ${argv.join(" ")}  (exit ${code}, ${result.durationMs} ms)` +
        (result.stderr ? `\n  ${result.stderr.replaceAll("\n", "\n  ")}` : ""),
    );
    if (!(opts.okCodes ?? [0]).includes(code)) {
      throw new CommandError(argv, code, result.stderr, hintFor(argv, result.stderr));
    }
    return result;
  };
}

/**
 * Runs a command with the terminal handed over (stdin, stdout and stderr
 * inherited), for the shell or `-- CMD` that `run` starts. The only other
 * spawning function besides {@link realRunner}.
 *
 * @param argv Program and arguments.
 * @param trace Optional `--verbose` sink, told the argv before it starts.
 * @param opts `stdoutToStderr`: the command's stdout is copied to this
 *   process's stderr (so that stdout carries only `--json`'s document).
 * @returns The command's exit code (128 + signal number when killed).
 * @throws {CommandError} When the program cannot be started.
 */
export async function runInteractive(
  argv: readonly string[],
  trace?: TraceSink,
  opts: { stdoutToStderr?: boolean } = {},
): Promise<number> {
  trace?.(`$ ${argv.join(" ")}  (interactive)`);
  const [program, ...args] = argv;
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(program, {
      args,
      stdin: "inherit",
      stdout: opts.stdoutToStderr ? "piped" : "inherit",
      stderr: "inherit",
    }).spawn();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new CommandError(argv, -1, `'${program}' was not found in PATH`, installHint(program));
    }
    throw e;
  }
  // While the command runs it owns the terminal: Ctrl-C and Ctrl-\ are its to handle (like a shell, nsrecipe
  // ignores them), and a hang-up or termination is passed on to it. Either way nsrecipe lives on to finish
  // its own work, e.g. `--rm`'s undo.
  const handlers: [Deno.Signal, () => void][] = [
    ["SIGINT", () => {}],
    ["SIGQUIT", () => {}],
    ["SIGHUP", () => forward(child, "SIGHUP")],
    ["SIGTERM", () => forward(child, "SIGTERM")],
  ];
  for (const [sig, fn] of handlers) Deno.addSignalListener(sig, fn);
  // With stdoutToStderr (`--json`), the command's output is copied to nsrecipe's stderr as it comes.
  const copied = opts.stdoutToStderr ? child.stdout.pipeTo(Deno.stderr.writable, { preventClose: true }) : undefined;
  try {
    await copied;
    const status = await child.status;
    return status.signal ? 128 + (SIGNALS[status.signal] ?? 0) : status.code;
  } finally {
    for (const [sig, fn] of handlers) Deno.removeSignalListener(sig, fn);
  }
}

function forward(child: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    child.kill(signal);
  } catch (e) {
    if (!(e instanceof TypeError)) throw e; // it has exited already
  }
}

/**
 * Starts a command that outlives nsrecipe (the confirm-or-revert watchdog),
 * with stdio closed, and does not wait for it.
 *
 * @param argv Program and arguments, e.g. `["setsid", "nsrecipe", "__watchdog", …]`.
 * @param trace Optional `--verbose` sink.
 * @returns The PID of the started process.
 * @throws {CommandError} When the program cannot be started.
 */
export function spawnDetached(argv: readonly string[], trace?: TraceSink): number {
  trace?.(`$ ${argv.join(" ")}  (detached)`);
  const [program, ...args] = argv;
  try {
    const child = new Deno.Command(program, { args, stdin: "null", stdout: "null", stderr: "null" }).spawn();
    child.unref();
    return child.pid;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new CommandError(argv, -1, `'${program}' was not found in PATH`, "Install util-linux or fix PATH.");
    }
    throw e;
  }
}

/** A command running in the background whose output is collected. */
export interface BackgroundProcess {
  /** Its PID. */
  pid: number;
  /**
   * Sends a signal (default SIGINT, so tools like ping print their summary)
   * and waits for it to exit.
   * @returns Its output and exit code.
   */
  stop(signal?: Deno.Signal): Promise<ExecResult>;
}

/**
 * Starts a command in the background, collecting its stdout and stderr (e.g.
 * a `ping` that measures an outage while a recipe runs).
 *
 * @param argv Program and arguments.
 * @param trace Optional `--verbose` sink.
 * @returns The handle.
 * @throws {CommandError} When the program cannot be started.
 */
export function spawnBackground(argv: readonly string[], trace?: TraceSink): BackgroundProcess {
  trace?.(`$ ${argv.join(" ")}  (background)`);
  const started = performance.now();
  const [program, ...args] = argv;
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(program, { args, stdin: "null", stdout: "piped", stderr: "piped" }).spawn();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new CommandError(argv, -1, `'${program}' was not found in PATH`, "Install it or fix PATH.");
    }
    throw e;
  }
  const output = child.output();
  return {
    pid: child.pid,
    async stop(signal: Deno.Signal = "SIGINT") {
      try {
        child.kill(signal);
      } catch (e) {
        if (!(e instanceof TypeError)) throw e; // already exited
      }
      const out = await output;
      return {
        argv,
        code: out.signal ? 128 + (SIGNALS[out.signal] ?? 0) : out.code,
        stdout: new TextDecoder().decode(out.stdout),
        stderr: new TextDecoder().decode(out.stderr).trim(),
        durationMs: Math.round(performance.now() - started),
      };
    },
  };
}

/** One command seen by a {@link recordingRunner}. */
export interface RecordedCall {
  /** The argv it was called with. */
  argv: readonly string[];
  /** The options it was called with. */
  opts: ExecOptions;
}

/**
 * A fake {@link Runner} for unit tests and `--dry-run`: records every call and
 * answers from `respond` (default: exit 0, empty output). Non-zero answers
 * throw {@link CommandError} exactly like the real runner.
 *
 * @param respond Maps an argv to a partial result.
 * @returns The runner and the list of calls it saw.
 */
export function recordingRunner(
  respond: (argv: readonly string[]) => Partial<ExecResult> = () => ({}),
): { run: Runner; calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  const run: Runner = (argv, opts = {}) => {
    calls.push({ argv, opts });
    const r = { argv, code: 0, stdout: "", stderr: "", durationMs: 0, ...respond(argv) };
    if (!(opts.okCodes ?? [0]).includes(r.code)) {
      return Promise.reject(new CommandError(argv, r.code, r.stderr, hintFor(argv, r.stderr)));
    }
    return Promise.resolve(r);
  };
  return { run, calls };
}

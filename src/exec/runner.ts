/**
 * The one place that spawns processes. Every process nsrecipe starts (a
 * captured command, the interactive shell, the detached watchdog, a background
 * `ping`) goes through one {@link Processes} built on one injectable
 * {@link Spawn} primitive, so unit tests can pass a fake, `--verbose` sees
 * every command, and a program that is not installed or a command killed by a
 * signal is reported the same way everywhere.
 *
 * @module
 */
import { CommandError } from "../errors.ts";
import { hintFor, installHint } from "./hints.ts";
import { taking } from "./turns.ts";
import { shellQuote } from "../quote.ts";

/** Options for one captured command. */
export interface ExecOptions {
  /** Exit codes that count as success; default `[0]`. */
  okCodes?: readonly number[];
  /** Text written to the command's stdin; default: stdin closed. */
  stdin?: string;
  /** Kill the command (SIGKILL) after this many milliseconds; default none. */
  timeoutMs?: number;
  /**
   * How `--verbose` shows the command's stderr (default: as it is), e.g. a
   * reader of many paths summing up the lines that are its expected answer.
   * The result's `stderr` and any {@link CommandError} keep it whole.
   */
  traceStderr?: (stderr: string) => string;
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
  /**
   * The PID the process had, in nsrecipe's PID namespace (the real runner
   * sets it; absent from a recorded or fake result): e.g. to tell an `ip -n
   * NS` that lists the processes in NS (`ip netns pids`) from the others.
   */
  pid?: number;
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

/**
 * How a started process's standard streams are wired:
 * - `captured`: stdout and stderr collected, stdin piped or closed;
 * - `terminal`: all three inherited (the shell or `-- CMD` that `run` starts);
 * - `terminal-stderr`: like `terminal`, but stdout is copied to nsrecipe's stderr as it comes (so that
 *   stdout carries only `--json`'s document);
 * - `detached`: all three closed, and nsrecipe does not wait for it;
 * - `background`: stdin closed, stdout and stderr collected until it is stopped;
 * - `terminal-line`: stdin inherited (it reads the terminal), stdout (the line it read) and stderr collected.
 */
export type Stdio = "captured" | "terminal" | "terminal-stderr" | "detached" | "background" | "terminal-line";

/**
 * PIPE_BUF on Linux, in bytes. pipe(7): a write of at most PIPE_BUF bytes to a
 * pipe is atomic, "all n bytes are written atomically" (with `O_NONBLOCK`, as
 * Deno's pipes are, it fails with EAGAIN when there is no room for all n, and
 * Deno waits and writes the same n again); a larger write may reach the reader
 * in parts.
 */
export const PIPE_BUF = 4096;

/**
 * Cuts a text for a child's stdin into chunks of whole lines of at most
 * `max` bytes each, in order, so that written one write(2) each to a pipe,
 * every chunk reaches the reader whole or not at all (pipe(7), see
 * {@link PIPE_BUF}): nsrecipe killed while writing a long `ip -batch -` leaves
 * `ip` no line cut short, which ip(8) would still run (it reads a batch line
 * by line, to end of input) and which may be a valid command of another
 * meaning (`addr add 10.0.0.1/2` for `/24`). A line longer than `max` is a
 * chunk of its own (no `ip` command line comes near 4096 bytes); a text
 * without a final newline ends with that last part. Pure.
 * @param text Any text, e.g. an `ip -batch -` text of 30,000 bytes.
 * @param max The most bytes a chunk holds; tests pass a small one.
 * @returns The UTF-8 chunks; their concatenation is the text's encoding; none when the text is empty.
 * @example
 * ```ts
 * import { lineChunks } from "./runner.ts";
 * lineChunks("a b\nc d\ne f\n", 8).map((c) => new TextDecoder().decode(c)); // ["a b\nc d\n", "e f\n"]
 * ```
 */
export function lineChunks(text: string, max: number = PIPE_BUF): Uint8Array[] {
  const bytes = new TextEncoder().encode(text);
  const chunks: Uint8Array[] = [];
  let start = 0;
  while (start < bytes.length) {
    // The last line end within `max` bytes of `start`; else the end of this over-long line (or of the text).
    let end = bytes.lastIndexOf(0x0a, start + max - 1) + 1;
    if (end <= start) {
      const next = bytes.indexOf(0x0a, start);
      end = next < 0 ? bytes.length : next + 1;
    }
    if (bytes.length - start <= max) end = bytes.length;
    chunks.push(bytes.subarray(start, end));
    start = end;
  }
  return chunks;
}

/**
 * The prefix of a captured command whose stdin text is longer than
 * {@link PIPE_BUF}: setpriv(1) (util-linux) sets the parent-death signal
 * (prctl(2) PR_SET_PDEATHSIG, kept across execve(2) of a program that is not
 * set-user-ID) and execs the command in its place, same PID. nsrecipe killed
 * while it writes a long `ip -batch -` (up to the pipe's 64 KB already
 * queued) then takes its `ip` with it, at once: an orphaned `ip` working
 * through the rest of the queue could race the `undo` started right after
 * (which would see a route still there, call its step reverted, and the
 * orphan delete it afterwards). Every request the kernel took is complete;
 * the journal's intents cover the whole batch, and undo looks at each step.
 * The signal is tied to the thread that started the program: Deno starts
 * programs from its main thread, which lives as long as nsrecipe.
 */
export const ORPHAN_GUARD: readonly string[] = ["setpriv", "--pdeathsig", "KILL", "--"];

/** How a process ended: an exit code, or the signal that killed it. */
export interface ProcessEnd {
  /** Exit code (meaningless when `signal` is set). */
  code: number;
  /** Name of the signal that killed it, e.g. `SIGKILL`; `null` when it exited. */
  signal: Deno.Signal | null;
}

/** A process started by a {@link Spawn}. */
export interface Spawned {
  /** Its PID. */
  readonly pid: number;
  /**
   * Writes text to its stdin, in whole lines of at most {@link PIPE_BUF} bytes a write ({@link lineChunks}), and
   * closes it (only for `captured` with `stdin: true`).
   */
  writeStdin(text: string): Promise<void>;
  /** Waits for it to end; stdout and stderr are empty unless `captured` or `background`. */
  wait(): Promise<ProcessEnd & { stdout: Uint8Array; stderr: Uint8Array }>;
  /** Sends a signal; does nothing when it has ended already. */
  kill(signal: Deno.Signal): void;
  /** Lets nsrecipe exit without waiting for it. */
  unref(): void;
}

/**
 * The primitive under the seam: starts a program.
 * @param argv Program and arguments.
 * @param stdio See {@link Stdio}.
 * @param stdin For `captured`: whether stdin is a pipe (else closed).
 * @returns The started process.
 * @throws {Deno.errors.NotFound} When the program is not in PATH.
 */
export type Spawn = (argv: readonly string[], stdio: Stdio, stdin: boolean) => Spawned;

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

/**
 * The exit code a shell reports for a process: its own, or 128 + the signal
 * number when a signal killed it (bash(1), "EXIT STATUS").
 * @param end How it ended.
 * @returns The code, e.g. 137 for SIGKILL.
 */
export function exitCodeOf(end: ProcessEnd): number {
  return end.signal ? exitCodeOfSignal(end.signal) : end.code;
}

/**
 * The exit code a shell reports for a process killed by `signal` (bash(1), "EXIT STATUS"): 128 + its number.
 * @param signal e.g. `SIGINT`.
 * @returns e.g. 130 for SIGINT; 128 for a signal not in the table.
 */
export function exitCodeOfSignal(signal: Deno.Signal): number {
  return 128 + (SIGNALS[signal] ?? 0);
}

/**
 * The real {@link Spawn}, on `Deno.Command` (no shell: argv only). A
 * `captured` command is started in a session of its own (setsid(2)): the
 * terminal's Ctrl-C and hangup do not reach it.
 * @param argv Program and arguments.
 * @param stdio See {@link Stdio}.
 * @param stdin For `captured`: whether stdin is a pipe.
 * @param ownSession Whether the child gets a session of its own; default: for `captured` only. A test harness
 *   passes `false`: Deno starts such a child by fork(2) of the whole caller (its page tables copied, in system
 *   time growing with the caller's memory: about 13 ms per start from a 600 MB process, against 1.5 ms without),
 *   and a harness needs no shelter from a terminal's signals.
 * @returns The started process.
 * @throws {Deno.errors.NotFound} When the program is not in PATH.
 */
export function denoSpawn(
  argv: readonly string[],
  stdio: Stdio,
  stdin: boolean,
  ownSession: boolean = stdio === "captured",
): Spawned {
  const [program, ...args] = argv;
  const io: Record<Stdio, Pick<Deno.CommandOptions, "stdin" | "stdout" | "stderr">> = {
    captured: { stdin: stdin ? "piped" : "null", stdout: "piped", stderr: "piped" },
    terminal: { stdin: "inherit", stdout: "inherit", stderr: "inherit" },
    "terminal-stderr": { stdin: "inherit", stdout: "piped", stderr: "inherit" },
    detached: { stdin: "null", stdout: "null", stderr: "null" },
    background: { stdin: "null", stdout: "piped", stderr: "piped" },
    "terminal-line": { stdin: "inherit", stdout: "piped", stderr: "piped" },
  };
  // A captured command runs in a session of its own (Deno's `detached`: setsid(2) in the child): a signal the
  // terminal sends its foreground process group (Ctrl-C's SIGINT, a hangup's SIGHUP; termios(3), ISIG) reaches
  // nsrecipe alone, which lets the step in flight finish (src/cli/interrupt.ts), instead of killing an `ip`
  // whose request the kernel may already have applied. The others stay in nsrecipe's process group: the shell
  // and `head` read the terminal (a reader outside its foreground group is stopped, SIGTTIN), and the
  // watchdog's launcher makes its own session (setsid(1) would fork, and its PID would not be the watchdog's).
  const child = new Deno.Command(program, { args, ...io[stdio], detached: ownSession }).spawn();
  const empty = new Uint8Array();
  const copied = stdio === "terminal-stderr"
    ? child.stdout.pipeTo(Deno.stderr.writable, { preventClose: true })
    : Promise.resolve();
  const ended = stdio === "captured" || stdio === "background" || stdio === "terminal-line"
    ? child.output()
    : copied.then(() => child.status).then((s) => ({ ...s, stdout: empty, stderr: empty }));
  return {
    pid: child.pid,
    async writeStdin(text) {
      const w = child.stdin.getWriter();
      try {
        // One write(2) each (Deno retries a pipe that is full with the whole chunk): killed between two, nsrecipe
        // leaves the reader whole lines only.
        for (const chunk of lineChunks(text)) await w.write(chunk);
        await w.close();
      } catch (e) {
        // It ended, or closed its stdin, before reading all of it (the write fails with EPIPE, pipe(7)),
        // e.g. `ip -n GONE -batch -` refusing a missing namespace first: its exit code and stderr say why.
        if (!(e instanceof Deno.errors.BrokenPipe)) throw e;
      }
    },
    wait: async () => {
      const o = await ended;
      return { code: o.code, signal: o.signal, stdout: o.stdout, stderr: o.stderr };
    },
    kill(signal) {
      try {
        child.kill(signal);
      } catch (e) {
        if (!(e instanceof TypeError)) throw e; // it has exited already
      }
    },
    unref: () => child.unref(),
  };
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

/** One line being read from the terminal by a child process; see {@link Processes.readLine}. */
export interface LineRead {
  /**
   * The line read, without its newline; `undefined` when there is none:
   * stdin ended (a closed terminal) before anything was typed, the reader
   * was stopped, or a signal (Ctrl-C's SIGINT) ended it.
   */
  line: Promise<string | undefined>;
  /**
   * Stops the reader (SIGKILL) and waits for it to be gone. A killed reader
   * reads nothing more: what is typed afterwards stays in the terminal's
   * input queue for the next reader (termios(3), canonical mode).
   */
  stop(): Promise<void>;
}

/**
 * What nsrecipe does with a SIGTERM it gets while a command it started
 * through a forking entry program runs (`unshare --fork --pid` of `run`,
 * `nsenter --pid` of `exec`): that program is not the command. util-linux's
 * unshare blocks SIGINT and SIGTERM while it waits for its child, and
 * nsenter dies of one and leaves its child running, so the signal goes to
 * the command itself: the entry program's child, read from
 * `/proc/PID/task/PID/children` (proc(5)). A command that is PID 1 of its PID
 * namespace gets only the signals it has a handler for, even from outside it
 * (pid_namespaces(7)): `sleep` ignores SIGTERM there. So, unless the command
 * has ended `graceMs` after the first SIGTERM, the entry program and the
 * command are killed (SIGKILL; unshare's `--kill-child` takes the namespace's
 * init with it, and the kernel every other process of that PID namespace).
 */
export interface TermForwarding {
  /** Milliseconds from the first SIGTERM passed on to the SIGKILL. */
  graceMs: number;
  /** Told what was done, as it is done (e.g. for a line on stderr). */
  tell(event: TermEvent): void;
}

/**
 * What {@link TermForwarding} did:
 * - `passed`: SIGTERM was sent to the command, PID `pid` (in nsrecipe's PID namespace), to be killed in `graceMs`;
 * - `killed`: the command had not ended `graceMs` after it: SIGKILL was sent.
 */
export type TermEvent =
  | { kind: "passed"; pid: number; graceMs: number }
  | { kind: "killed"; graceMs: number };

/** Options of {@link Processes.interactive}. */
export interface InteractiveOptions {
  /** Copy the command's stdout to this process's stderr (so that stdout carries only `--json`'s document). */
  stdoutToStderr?: boolean;
  /** Forward SIGTERM to the entry program's child, then kill: see {@link TermForwarding}; default: to the program. */
  term?: TermForwarding;
}

/** Every way nsrecipe starts a process; see {@link processes}. */
export interface Processes {
  /** Runs a command and captures its output: see {@link Runner}. */
  run: Runner;
  /**
   * Runs a command with the terminal handed over (stdin, stdout and stderr
   * inherited), for the shell or `-- CMD` that `run` starts. While it runs it
   * owns the terminal: SIGINT and SIGQUIT are its to handle (nsrecipe ignores
   * them, like a shell), SIGHUP and SIGTERM are passed on to it (SIGTERM as
   * {@link InteractiveOptions.term} says); either way nsrecipe lives on to
   * finish its own work (e.g. `--rm`'s undo).
   * @param opts See {@link InteractiveOptions}.
   * @returns Its exit code (128 + signal number when killed).
   * @throws {CommandError} When the program cannot be started.
   */
  interactive(argv: readonly string[], opts?: InteractiveOptions): Promise<number>;
  /**
   * Starts a command that outlives nsrecipe (the confirm-or-revert watchdog),
   * with stdio closed, and does not wait for it.
   * @returns Its PID.
   * @throws {CommandError} When the program cannot be started.
   */
  detached(argv: readonly string[]): number;
  /**
   * Starts a command in the background, collecting its output until stopped
   * (e.g. a `ping` that measures an outage while a recipe runs).
   * @throws {CommandError} When the program cannot be started.
   */
  background(argv: readonly string[]): BackgroundProcess;
  /**
   * Reads one line of the terminal in a child process (`head -n 1`, stdin
   * inherited, stdout collected), for a prompt. Unlike a read of nsrecipe's
   * own stdin, which cannot be cancelled and would swallow the next line
   * typed into whatever reads the terminal after the prompt, the child can
   * be killed: a terminal in canonical mode hands a reader one line per
   * read(2) (termios(3)), so a stopped reader has consumed nothing more.
   * @returns The line being read, and how to stop reading.
   * @throws {CommandError} When `head` cannot be started.
   */
  readLine(): LineRead;
}

/**
 * How `--verbose` labels a command that is not captured: `interactive` only
 * when it reads a terminal; otherwise what it inherits.
 * @param stdio How it was started.
 * @param stdinIsTerminal Whether nsrecipe's stdin is a terminal.
 * @returns e.g. `interactive`, `stdio inherited`, `stdio inherited, stdout to stderr`, `detached`.
 */
export function stdioLabel(stdio: Exclude<Stdio, "captured">, stdinIsTerminal: boolean): string {
  if (stdio === "terminal-line") return "reads one line of the terminal";
  if (!stdio.startsWith("terminal")) return stdio;
  const how = stdinIsTerminal ? "interactive" : "stdio inherited";
  return stdio === "terminal-stderr" ? `${how}, stdout to stderr` : how;
}

/**
 * How `--verbose` shows the text a captured command read on its stdin: one
 * `  < LINE` per line, after its `$ argv` line, so the commands of an
 * `ip -batch -` (ip(8): one command per line of the file, `-` for stdin)
 * appear in the trace as they ran.
 * @param stdin The text written to the command's stdin, if any.
 * @returns `""` without stdin, else `"\n  < LINE"` for each line (the final
 *   newline ends the last line; it adds no empty one).
 * @example
 * ```ts
 * import { stdinTrace } from "./runner.ts";
 * stdinTrace("addr add 10.0.0.1/24 dev br0\nlink set dev v master br0\n");
 * // "\n  < addr add 10.0.0.1/24 dev br0\n  < link set dev v master br0"
 * ```
 */
export function stdinTrace(stdin: string | undefined): string {
  if (stdin === undefined || stdin === "") return "";
  return stdin.replace(/\n$/, "").split("\n").map((l) => `\n  < ${l}`).join("");
}

/**
 * How many captured commands ({@link Processes.run}) nsrecipe runs at once,
 * whichever seam starts them; the others wait their turn, in the order asked
 * (their timeout runs from their start). Each holds its pipes (and Deno a
 * pidfd) until it ends, and a process may hold only RLIMIT_NOFILE file
 * descriptors (getrlimit(2); 1024 by default): a read per namespace of a host
 * with a few hundred (`status --deep`, a host's foreign namespaces) started
 * all at once failed with EMFILE, an internal error. More than this gains
 * nothing on a few cores; fewer than this are never held back.
 */
export const CAPTURED_AT_ONCE = 32;

/** The turns of every seam of this process (the limit is the process's, not a seam's). */
const CAPTURED_TURNS = taking(CAPTURED_AT_ONCE);

/**
 * Builds the process seam.
 *
 * @param opts `spawn`: the primitive (default {@link denoSpawn}; tests pass a
 *   fake); `trace`: the `--verbose` sink, told `$ argv…  (exit N, D ms)`,
 *   the lines it read on stdin ({@link stdinTrace}) and stderr after each
 *   captured command has ended (commands run side by side are told in the
 *   order they ended), and the argv of every other one as it starts.
 * @returns The seam.
 * @example
 * ```ts ignore
 * const { run } = processes();
 * const { stdout } = await run(["ip", "-json", "link", "show"]);
 * ```
 */
export function processes(opts: { spawn?: Spawn; trace?: TraceSink } = {}): Processes {
  const spawn = opts.spawn ?? denoSpawn;
  const trace = opts.trace;
  const start = (argv: readonly string[], stdio: Stdio, stdin = false): Spawned => {
    if (stdio !== "captured") trace?.(`$ ${shellQuote(argv)}  (${stdioLabel(stdio, Deno.stdin.isTerminal())})`);
    try {
      return spawn(argv, stdio, stdin);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        throw new CommandError(argv, -1, `'${argv[0]}' was not found in PATH`, installHint(argv[0]));
      }
      throw e;
    }
  };
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  // stty(1) on nsrecipe's own terminal (stdin inherited); `undefined` when it cannot run or fails.
  const stty = async (args: string[]): Promise<string | undefined> => {
    trace?.(`$ stty ${args.join(" ")}  (on the terminal)`);
    try {
      const end = await spawn(["stty", ...args], "terminal-line", false).wait();
      return end.signal || end.code !== 0 ? undefined : decode(end.stdout).trim();
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw e;
    }
  };
  // The terminal's settings as `stty -g` prints them (termios(3): modes, control characters), to be restored
  // after a command that was handed the terminal: script(1) puts it in raw mode and, killed by SIGKILL (undo's
  // escalation), cannot restore it; a shell killed mid-line can leave it without echo.
  const terminalSettings = () => stty(["-g"]).then((s) => s || undefined);
  const handOver = async (argv: readonly string[], o: InteractiveOptions): Promise<number> => {
    // The listeners come first: a signal that finds none ends nsrecipe at once (Deno's default action), e.g. a
    // Ctrl-C the moment the command starts, leaving a `--rm` run applied. One that comes before the command
    // exists is passed on to it as soon as it does.
    let child: Spawned | undefined;
    let stopping: ReturnType<typeof forwardTerm> | undefined;
    const early: Deno.Signal[] = [];
    const passOn = (sig: Deno.Signal) => () => {
      if (!child) early.push(sig);
      else if (sig === "SIGTERM" && stopping) stopping.onTerm();
      else child.kill(sig);
    };
    const handlers: [Deno.Signal, () => void][] = [
      ["SIGINT", () => {}],
      ["SIGQUIT", () => {}],
      ["SIGHUP", passOn("SIGHUP")],
      ["SIGTERM", passOn("SIGTERM")],
    ];
    for (const [sig, fn] of handlers) Deno.addSignalListener(sig, fn);
    try {
      child = start(argv, o.stdoutToStderr ? "terminal-stderr" : "terminal");
      stopping = o.term ? forwardTerm(child, o.term) : undefined;
      for (const sig of early) passOn(sig)();
      return exitCodeOf(await child.wait());
    } finally {
      for (const [sig, fn] of handlers) Deno.removeSignalListener(sig, fn);
      await stopping?.dispose();
    }
  };
  // The command an entry program forked (see TermForwarding): its first child, or the program itself before the fork.
  const commandOf = async (pid: number): Promise<number> => {
    const r = await run(["cat", `/proc/${pid}/task/${pid}/children`], { okCodes: [0, 1] });
    return Number(r.stdout.trim().split(/\s+/)[0]) || pid;
  };
  const forwardTerm = (child: Spawned, how: TermForwarding) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let ended = false;
    let target: number | undefined;
    // Each SIGTERM's forwarding, in order; awaited before the command's end is reported (no `kill` left behind).
    let pending = Promise.resolve();
    const signal = async (sig: "TERM" | "KILL", pid: number) => {
      if (pid === child.pid) child.kill(`SIG${sig}`);
      else if (!ended) await run(["kill", `-${sig}`, String(pid)], { okCodes: [0, 1] });
    };
    const kill = () => {
      pending = pending.then(async () => {
        if (ended) return;
        how.tell({ kind: "killed", graceMs: how.graceMs });
        child.kill("SIGKILL");
        if (target !== undefined) await signal("KILL", target);
      });
    };
    return {
      onTerm: () => {
        pending = pending.then(async () => {
          if (ended) return;
          target ??= await commandOf(child.pid);
          await signal("TERM", target);
          if (timer !== undefined) return;
          how.tell({ kind: "passed", pid: target, graceMs: how.graceMs });
          timer = setTimeout(kill, how.graceMs);
        });
      },
      dispose: async () => {
        ended = true;
        clearTimeout(timer);
        await pending;
      },
    };
  };
  const run: Runner = (argv, o = {}) => CAPTURED_TURNS(() => runNow(argv, o));
  const runNow: Runner = async (argv, o = {}) => {
    const started = performance.now();
    // A text longer than one atomic write goes to a program that dies with nsrecipe (see ORPHAN_GUARD).
    const long = o.stdin !== undefined && new TextEncoder().encode(o.stdin).length > PIPE_BUF;
    const spawned = long ? [...ORPHAN_GUARD, ...argv] : argv;
    const child = start(spawned, "captured", o.stdin !== undefined);
    let timedOut = false;
    // The bound runs from the start, writing included: a program that stops reading a text longer than the pipe
    // holds (64 KB) would otherwise hold nsrecipe in the write for ever; its kill ends the write (EPIPE).
    const timer = o.timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, o.timeoutMs);
    if (o.stdin !== undefined) await child.writeStdin(o.stdin);
    const end = await child.wait().finally(() => clearTimeout(timer));
    const stderr = decode(end.stderr).trim();
    const result: ExecResult = {
      argv,
      code: exitCodeOf(end),
      stdout: decode(end.stdout),
      stderr: timedOut ? `${stderr ? `${stderr}\n` : ""}timed out after ${o.timeoutMs} ms and was killed` : stderr,
      durationMs: Math.round(performance.now() - started),
      pid: child.pid,
    };
    if (trace) {
      const shown = result.stderr && o.traceStderr ? o.traceStderr(result.stderr) : result.stderr;
      trace(
        `$ ${shellQuote(spawned)}  (exit ${result.code}, ${result.durationMs} ms)` + stdinTrace(o.stdin) +
          (shown ? `\n  ${shown.replaceAll("\n", "\n  ")}` : ""),
      );
    }
    if (!(o.okCodes ?? [0]).includes(result.code)) {
      throw new CommandError(argv, result.code, result.stderr, hintFor(argv, result.stderr));
    }
    return result;
  };
  return {
    run,
    async interactive(argv, o = {}) {
      const saved = Deno.stdin.isTerminal() ? await terminalSettings() : undefined;
      try {
        return await handOver(argv, o);
      } finally {
        if (saved !== undefined) await stty([saved]);
      }
    },
    detached(argv) {
      const child = start(argv, "detached");
      child.unref();
      return child.pid;
    },
    readLine() {
      const child = start(["head", "-n", "1"], "terminal-line");
      const ended = child.wait();
      return {
        line: ended.then((end) => {
          const text = decode(end.stdout);
          return end.signal || end.code !== 0 || text === "" ? undefined : text.replace(/\n$/, "");
        }),
        async stop() {
          child.kill("SIGKILL");
          await ended;
        },
      };
    },
    background(argv) {
      const started = performance.now();
      const child = start(argv, "background");
      const ended = child.wait();
      return {
        pid: child.pid,
        async stop(signal: Deno.Signal = "SIGINT") {
          child.kill(signal);
          const end = await ended;
          return {
            argv,
            code: exitCodeOf(end),
            stdout: decode(end.stdout),
            stderr: decode(end.stderr).trim(),
            durationMs: Math.round(performance.now() - started),
          };
        },
      };
    },
  };
}

/**
 * The real captured-command {@link Runner}: `processes({ trace }).run`.
 *
 * @param trace When given, called after each command with
 *   `$ argv…  (exit N, D ms)` and its stderr: this is `--verbose`.
 * @returns A runner that spawns real processes.
 * @example
 * ```ts ignore
 * const run = realRunner();
 * const { stdout } = await run(["ip", "-json", "link", "show"]);
 * ```
 */
export function realRunner(trace?: TraceSink): Runner {
  return processes({ trace }).run;
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

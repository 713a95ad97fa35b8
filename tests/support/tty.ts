/**
 * Runs nsrecipe inside a lab on a pseudo-terminal (script(1)): either typing
 * all of its input at once ({@link onTty}), or as a session the test types into
 * while it runs, waiting for what the terminal shows ({@link TtySession}).
 *
 * What a terminal shows is ordered only by when each byte reaches it: the
 * terminal echoes typed input the moment script(1) hands it over (termios(3),
 * ECHO), whether or not a program reads it yet. Input typed before a shell has
 * printed its prompt is echoed before that prompt, input typed after it after
 * it; on a loaded machine either can happen for input typed at once. A test
 * that cares about the order types each line only once the terminal shows
 * what it waits for ({@link TtySession.expect}).
 *
 * @module
 */
import type { ExecResult } from "../../src/exec/mod.ts";
import { posixQuote } from "../../src/exec/mod.ts";
import { selfArgv } from "../../src/lab/mod.ts";
import type { TestLab } from "./lab.ts";

/**
 * The script(1) argv that runs nsrecipe ARGS on a new pseudo-terminal, with extra environment `env`.
 * script(1) runs it with `$SHELL -c` (`/bin/sh` when SHELL is unset): `exec` makes nsrecipe script's own child,
 * unless `underShell`, where the shell forks it and waits (`; exit $?` keeps its exit code).
 */
function scriptArgv(args: string[], env: Record<string, string>, underShell = false): string[] {
  const vars = Object.entries(env).map(([k, v]) => `${k}=${posixQuote(v)}`);
  const cmd = [...(vars.length ? ["env", ...vars] : []), ...[...selfArgv(), ...args].map(posixQuote)].join(" ");
  // `exec`: whatever shell script(1) picks ($SHELL, or /bin/sh when unset, as under CI), nsrecipe takes its place.
  // dash does not exec a lone `env …` command by itself: it would stay the terminal's foreground process beside
  // nsrecipe, die of the Ctrl-C a test types, and script(1) would report that (exit 130) instead of nsrecipe's code.
  return ["script", "-qec", underShell ? `${cmd}; exit $?` : `exec ${cmd}`, "/dev/null"];
}

/**
 * Runs nsrecipe ARGS in the lab with a terminal as stdin, stdout and stderr,
 * all of `input` typed at once. script(1) merges the terminal's output (stdout
 * and stderr, and the echo of the input) into its stdout; where the echo falls
 * relative to a prompt is not fixed (see the module's doc).
 *
 * @param lab The lab.
 * @param args nsrecipe arguments.
 * @param input Text typed at the terminal (then end of input).
 * @param env Extra environment for nsrecipe, e.g. `{ SHELL: "/bin/sh" }`.
 * @returns script's result: its exit code is nsrecipe's (`-e`).
 */
export function onTty(
  lab: TestLab,
  args: string[],
  input: string,
  env: Record<string, string> = {},
): Promise<ExecResult> {
  return lab.sh(scriptArgv(args, env), input);
}

/** How long {@link TtySession.expect} waits by default, in ms: a bound, not a speed target. */
const EXPECT_MS = 60_000;

/** nsrecipe on a pseudo-terminal (script(1)) inside a lab, typed into while it runs. */
export class TtySession {
  private text = "";
  /** Where {@link expect} looks from: the end of its last match. */
  private cursor = 0;
  private ended = false;
  private readonly changed = new Set<() => void>();
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  private readonly drained: Promise<void>;

  private constructor(private readonly child: Deno.ChildProcess) {
    this.writer = child.stdin.getWriter();
    this.drained = (async () => {
      try {
        for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
          this.text += chunk;
          for (const wake of this.changed) wake();
        }
      } finally {
        this.ended = true;
        for (const wake of this.changed) wake();
      }
    })();
  }

  /**
   * Starts `nsrecipe ARGS` on a pseudo-terminal inside the lab.
   *
   * A test that stops nsrecipe (SIGSTOP) and continues it passes `underShell`: nsrecipe is then the child of
   * a non-interactive shell, which waits without WUNTRACED and so never sees the stop. As script(1)'s own
   * child, its stop would stop script(1) and nsenter(1) too (each stops itself when its child stops), and
   * script(1) can miss the exit: the continued and exited SIGCHLDs of its child merge into one when the second
   * comes before it has read the first (standard signals do not queue, signal(7)), and it waits only on an
   * exited one (util-linux 2.38 `lib/pty-session.c`), beside a zombie for ever.
   * @param lab The lab.
   * @param args nsrecipe arguments.
   * @param env Extra environment for nsrecipe, e.g. `{ SHELL: "/bin/sh" }`.
   * @param opts `underShell`: run nsrecipe as a child of the shell script(1) starts, not in its place.
   */
  static start(
    lab: TestLab,
    args: string[],
    env: Record<string, string> = {},
    opts: { underShell?: boolean } = {},
  ): TtySession {
    const [program, ...rest] = [...lab.enter, ...scriptArgv(args, env, opts.underShell)];
    return new TtySession(
      new Deno.Command(program, { args: rest, stdin: "piped", stdout: "piped", stderr: "piped" }).spawn(),
    );
  }

  /** Host PID of the nsenter(1) that runs script(1) (it stops itself when its child stops). */
  get pid(): number {
    return this.child.pid;
  }

  /** What the terminal showed so far. */
  get output(): string {
    return this.text;
  }

  /** Types at the terminal (`\x03` is Ctrl-C: the terminal sends SIGINT to the foreground process). */
  async type(keys: string): Promise<void> {
    await this.writer.write(new TextEncoder().encode(keys));
  }

  /**
   * Waits until the terminal shows `pattern` after the previous match (as
   * expect(1) does), and moves past it: two prompts alike are two waits.
   * @param pattern Text or regular expression (without the `g` or `y` flag).
   * @param what What is awaited, for the error message.
   * @param timeoutMs Upper bound in ms.
   * @returns The matched text.
   * @throws {Error} When the bound passes, or the terminal closes, first (with what it showed).
   */
  expect(pattern: string | RegExp, what: string, timeoutMs = EXPECT_MS): Promise<string> {
    return this.until(what, timeoutMs, () => {
      const rest = this.text.slice(this.cursor);
      const at = typeof pattern === "string" ? rest.indexOf(pattern) : rest.search(pattern);
      if (at < 0) return undefined;
      const match = typeof pattern === "string" ? pattern : rest.slice(at).match(pattern)![0];
      this.cursor += at + match.length;
      return match;
    });
  }

  /**
   * Waits until the terminal has shown `text` anywhere so far (the place
   * {@link expect} looks from does not move).
   * @param text The text awaited.
   * @param what What it is, for the error message.
   * @throws {Error} When 60 s pass, or the terminal closes, first (with what it showed).
   */
  async shows(text: string, what: string): Promise<void> {
    await this.until(what, EXPECT_MS, () => this.text.includes(text) || undefined);
  }

  /** Waits for run's confirmation prompt (see {@link expect}). */
  async prompted(): Promise<void> {
    await this.expect("Keep this change?", "the confirmation prompt");
  }

  /**
   * Waits, woken by each piece of output, until `probe` finds what it looks for.
   * @param what What is awaited, for the error message.
   * @param timeoutMs Upper bound in ms.
   * @param probe Returns what was found, `undefined` while not yet.
   * @returns What `probe` found.
   * @throws {Error} When the bound passes, or the terminal closes, first (with what it showed).
   */
  private async until<T>(what: string, timeoutMs: number, probe: () => T | undefined): Promise<T> {
    let wake = () => {};
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), timeoutMs)));
    try {
      for (;;) {
        const found = probe();
        if (found !== undefined) return found;
        const late = this.ended ? "closed" : await Promise.race([
          new Promise<undefined>((resolve) => this.changed.add(wake = () => resolve(undefined))),
          timedOut,
        ]);
        this.changed.delete(wake);
        if (late) {
          const last = probe();
          if (last !== undefined) return last;
          throw new Error(
            `${late === "closed" ? "the terminal closed" : `timed out after ${timeoutMs} ms`} waiting for ${what}; ` +
              `it showed:\n${this.text}`,
          );
        }
      }
    } finally {
      this.changed.delete(wake);
      clearTimeout(timer);
    }
  }

  /**
   * Closes the keyboard (script(1) exits only after its end of input; nsrecipe takes an ended input as no
   * answer) and waits for nsrecipe to exit.
   * @returns nsrecipe's exit code (script's `-e`) and everything the terminal showed.
   */
  async finish(): Promise<{ code: number; output: string }> {
    await this.writer.close().catch(() => {});
    const status = await this.child.status;
    await this.drained;
    await this.child.stderr.cancel();
    return { code: status.code, output: this.text };
  }
}

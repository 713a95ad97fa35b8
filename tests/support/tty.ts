/**
 * Runs nsrecipe inside a lab on a pseudo-terminal (script(1)): typing the given input at it
 * ({@link onTty}), or typing while it runs ({@link TtySession}).
 *
 * @module
 */
import type { ExecResult } from "../../src/exec/mod.ts";
import { posixQuote } from "../../src/exec/mod.ts";
import { selfArgv } from "../../src/lab/mod.ts";
import type { TestLab } from "./lab.ts";
import { waitFor } from "./wait.ts";

/**
 * Runs nsrecipe ARGS in the lab with a terminal as stdin, stdout and stderr.
 * script(1) merges the terminal's output (stdout and stderr, and the echo of
 * the input) into its stdout.
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
  const vars = Object.entries(env).map(([k, v]) => `${k}=${posixQuote(v)}`);
  const cmd = [...(vars.length ? ["env", ...vars] : []), ...[...selfArgv(), ...args].map(posixQuote)].join(" ");
  return lab.sh(["script", "-qec", cmd, "/dev/null"], input);
}

/** nsrecipe on a pseudo-terminal (script(1)) that the test types into while it runs. */
export class TtySession {
  private text = "";
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  private readonly drained: Promise<void>;

  constructor(private readonly child: Deno.ChildProcess) {
    this.writer = child.stdin.getWriter();
    this.drained = (async () => {
      for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) this.text += chunk;
    })();
  }

  /**
   * Starts `nsrecipe ARGS` on a pseudo-terminal inside the lab.
   * @param lab The lab.
   * @param args nsrecipe arguments.
   * @param env Extra environment for nsrecipe, e.g. `{ PATH: "/run/fakebin:…" }`.
   */
  static start(lab: TestLab, args: string[], env: Record<string, string> = {}): TtySession {
    const vars = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    const cmd = [...(vars.length ? ["env", ...vars] : []), ...selfArgv(), ...args].map(posixQuote).join(" ");
    const [program, ...rest] = [...lab.enter, "script", "-qec", cmd, "/dev/null"];
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

  /** Waits for the prompt. */
  prompted(): Promise<void> {
    return this.shows("Keep this change?", "the confirmation prompt");
  }

  /**
   * Waits until the terminal shows `text` (at most 60 s).
   * @param text The text awaited.
   * @param what What it is, for the timeout's message.
   */
  shows(text: string, what: string): Promise<void> {
    return waitFor(what, () => Promise.resolve(this.text.includes(text)), 60_000);
  }

  /**
   * Closes the keyboard (script(1) exits only after its end of input; nsrecipe takes an ended input as no
   * answer) and waits for nsrecipe to exit.
   */
  async finish(): Promise<{ code: number; output: string }> {
    await this.writer.close().catch(() => {});
    const status = await this.child.status;
    await this.drained;
    await this.child.stderr.cancel();
    return { code: status.code, output: this.text };
  }
}

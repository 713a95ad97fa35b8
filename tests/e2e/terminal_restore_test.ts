import assert from "node:assert/strict";
import { selfArgv } from "../../src/lab/mod.ts";
import { type TestLab, withLab } from "../support/lab.ts";
import { waitFor } from "../support/wait.ts";

/**
 * An admin's terminal (script(1)'s pseudo-terminal inside the lab) on which a shell prints the terminal's settings
 * (`stty -g`), runs `nsrecipe ARGS`, and prints them again once nsrecipe has exited.
 */
class AdminTerminal {
  private text = "";
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  private readonly drained: Promise<void>;
  private readonly child: Deno.ChildProcess;

  constructor(lab: TestLab, args: string[]) {
    const ns = [...selfArgv(), ...args].map((a) => `'${a}'`).join(" ");
    const line = `echo "before:$(stty -g)"; ${ns}; echo "after:$(stty -g)"`;
    const [program, ...rest] = [...lab.enter, "script", "-qec", line, "/dev/null"];
    const child = new Deno.Command(program, { args: rest, stdin: "piped", stdout: "piped", stderr: "piped" }).spawn();
    this.child = child;
    this.writer = child.stdin.getWriter();
    this.drained = (async () => {
      for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) this.text += chunk;
    })();
  }

  /** What the terminal showed so far. */
  get output(): string {
    return this.text;
  }

  /** The settings printed under `label` (`before` or `after`). */
  settings(label: "before" | "after"): string | undefined {
    return new RegExp(`${label}:([0-9a-f:]+)`).exec(this.text)?.[1];
  }

  /** Types at the terminal. */
  async type(keys: string): Promise<void> {
    await this.writer.write(new TextEncoder().encode(keys));
  }

  /** Closes the keyboard and waits for the terminal's shell to end. */
  async finish(): Promise<string> {
    await this.writer.close().catch(() => {});
    await this.child.status;
    await this.drained;
    await this.child.stderr.cancel();
    return this.text;
  }
}

/** Lab PIDs of the script(1) processes that give a run's shell its own pseudo-terminal. */
async function runTerminalPids(lab: TestLab): Promise<number[]> {
  const r = await lab.sh(["sh", "-c", "grep -l -s -- '--return' /proc/[0-9]*/cmdline || true"]);
  const pids: number[] = [];
  for (const path of r.stdout.split("\n").filter((l) => l)) {
    const pid = Number(path.split("/")[2]);
    const cmd = (await lab.sh(["cat", path])).stdout.split("\0");
    if (cmd[0] === "script" && cmd.includes("--command")) pids.push(pid);
  }
  return pids;
}

for (
  const [how, end] of [
    [
      "its pseudo-terminal's relay is killed (SIGKILL, as undo's escalation does)",
      async (lab: TestLab, pid: number) => {
        await lab.sh(["kill", "-KILL", String(pid)]);
      },
    ],
    [
      "undo from another shell ends it",
      async (lab: TestLab) => {
        const r = await lab.nsrecipe(["undo", "t"]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
      },
    ],
  ] as const
) {
  Deno.test(`run's shell on a TTY: when ${how}, the admin's terminal gets back the settings it had`, async () => {
    await withLab(async (lab) => {
      const term = new AdminTerminal(lab, ["run", "netns", "--name", "t", "--shell", "/bin/sh"]);
      let pids: number[] = [];
      await waitFor("the run's shell on its own pseudo-terminal", async () => {
        pids = await runTerminalPids(lab);
        return pids.length === 1 && term.output.includes("'exit' returns");
      }, 60_000);
      await end(lab, pids[0]);
      await waitFor("nsrecipe to exit", () => Promise.resolve(term.settings("after") !== undefined), 60_000);
      const output = await term.finish();
      const before = term.settings("before");
      assert.ok(before, output);
      assert.equal(term.settings("after"), before, output);
      if (how.startsWith("undo")) {
        assert.match(output, /Run \S+ \(t\) was undone from another session while its shell ran; that ended it\./);
      }
    });
  });
}

Deno.test("run pid-only's banner on a TTY says its shell is in a new PID namespace on the host's network", async () => {
  await withLab(async (lab) => {
    const term = new AdminTerminal(lab, ["run", "pid-only", "--shell", "/bin/sh"]);
    // The shell's prompt, not only nsrecipe's banner: until the run's script(1) has put the terminal in raw mode,
    // the end of input that closing the keyboard sends (^D, util-linux 2.38 ul_pty_write_eof_to_child) would be
    // read as the end of a canonical line by no one, and the shell would wait for input for ever.
    await waitFor("the run's shell prompt", () => Promise.resolve(/\[nsrecipe:[^\]]*\] # /.test(term.output)), 60_000);
    await term.type("exit\n");
    const output = await term.finish();
    assert.match(
      output,
      /\[nsrecipe:pid-only\] \/bin\/sh in a new PID namespace, on the host's network; 'exit' returns\./,
    );
    assert.doesNotMatch(output, /inside 'pid-only'/);
  });
});

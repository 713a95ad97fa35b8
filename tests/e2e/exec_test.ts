import assert from "node:assert/strict";
import { posixQuote } from "../../src/exec/mod.ts";
import { selfArgv } from "../../src/lab/mod.ts";
import { withLab } from "../support/lab.ts";
import { onTty, TtySession } from "../support/tty.ts";
import { waitFor } from "../support/wait.ts";

Deno.test("exec NAME -- CMD runs in the run's netns, in a PID namespace of its own with its /proc, and exits with CMD's code", async () => {
  await withLab(async (lab) => {
    assert.equal((await lab.nsrecipe(["run", "veth-bridge", "--name", "web"])).code, 0);
    const hostNet = (await lab.sh(["readlink", "/proc/self/ns/net"])).stdout.trim();
    const webNet = (await lab.sh(["ip", "netns", "exec", "web", "readlink", "/proc/self/ns/net"])).stdout.trim();
    const r = await lab.nsrecipe(["exec", "web", "--", "sh", "-c", "readlink /proc/self/ns/net; echo pid=$$; exit 7"]);
    assert.equal(r.code, 7, r.stderr);
    assert.match(r.stdout, new RegExp(`^${webNet.replace(/[[\]]/g, "\\$&")}$`, "m"));
    assert.notEqual(webNet, hostNet);
    // Setup-only run: no process holds a PID namespace, so CMD is PID 1 of a new one (its /proc shows only it).
    assert.match(r.stdout, /^pid=1$/m);
    // P20: that usual case is said only with --verbose.
    assert.doesNotMatch(r.stderr, /No process of run/);
    const loud = await lab.nsrecipe(["--verbose", "exec", "web", "--", "true"]);
    assert.equal(loud.code, 0, loud.stderr);
    assert.match(loud.stderr, /No process of run 'web' holds a PID namespace: starting the command in a new one/);
    const addr = await lab.nsrecipe(["exec", "web", "--", "ip", "-br", "-4", "addr", "show", "dev", "eth0"]);
    assert.match(addr.stdout, /10\.200\.0\.2\/24/);
  });
});

Deno.test("exec joins the PID namespace of the run's own process: it sees that process in its /proc", async () => {
  await withLab(async (lab) => {
    // A run whose command lives on: PID 1 of the run's PID namespace.
    const holder = lab.spawn([
      ...(await import("../../src/lab/mod.ts")).selfArgv(),
      "run",
      "netns",
      "--name",
      "hold",
      "--",
      "sleep",
      "1000",
    ]);
    try {
      await waitFor("the run's sleep to be PID 1 of its PID namespace", async () => {
        const r = await lab.nsrecipe(["--json", "exec", "hold", "--", "true"]);
        return r.code === 0 && JSON.parse(r.stdout).pidNamespaceInit !== null;
      });
      const r = await lab.nsrecipe([
        "exec",
        "hold",
        "--",
        "sh",
        "-c",
        "cat /proc/1/cmdline | tr '\\0' ' '; echo; exit 4",
      ]);
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stdout, /^sleep 1000 $/m, "PID 1 of the joined namespace is the run's command");
      assert.doesNotMatch(r.stderr, /new one/);
    } finally {
      await lab.nsrecipe(["undo", "hold"]);
      await holder.output();
    }
  });
});

Deno.test("shell NAME on a TTY: a banner and a prompt name the run; exit returns the shell's code", async () => {
  await withLab(async (lab) => {
    assert.equal((await lab.nsrecipe(["run", "netns", "--name", "web"])).code, 0);
    const r = await onTty(lab, ["shell", "web", "--shell", "/bin/sh"], "echo run=$NSRECIPE_RUN sh=$SHELL\nexit 6\n");
    assert.equal(r.code, 6, r.stdout);
    assert.match(r.stdout, /\[nsrecipe:web\] \/bin\/sh in network namespace 'web' and a new PID namespace/);
    assert.match(r.stdout, /\[nsrecipe:web\] # /, "dash shows the prompt naming the run");
    assert.match(r.stdout, /run=nsrecipe:web sh=\/bin\/sh\r?$/m, "SHELL names the shell started (--shell)");
    assert.doesNotMatch(r.stdout, /Cannot set tty process group/);
  });
});

Deno.test("run's own shell on a TTY names the run in a banner and its prompt", async () => {
  await withLab(async (lab) => {
    const r = await onTty(lab, ["run", "netns", "--name", "api", "--rm", "--shell", "/bin/sh"], "exit 0\n");
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /\[nsrecipe:api\] \/bin\/sh inside 'api'; 'exit' returns\./);
    assert.match(r.stdout, /\[nsrecipe:api\] # /);
  });
});

Deno.test("the lab's shell on a TTY says it is the lab's, in a banner and its prompt", async () => {
  await withLab(async (lab) => {
    const tty = TtySession.start(lab, ["lab"], { SHELL: "/bin/sh" });
    const prompt = "[nsrecipe-lab] # ";
    // Each line is typed once the shell shows its prompt: the terminal then shows prompt, echo and output in
    // that order (a line typed earlier is echoed before the prompt).
    await tty.expect(prompt, "the lab shell's first prompt");
    await tty.type("echo in=$NSRECIPE_RUN\n");
    await tty.expect(prompt, "the prompt after echo");
    await tty.type("command -v nsrecipe\n");
    await tty.expect(prompt, "the prompt after command -v");
    await tty.type("exit 3\n");
    const r = await tty.finish();
    assert.equal(r.code, 3, r.output);
    assert.match(r.output, /\[nsrecipe-lab\] 'nsrecipe' runs nsrecipe here; exit the shell to discard the lab\./);
    assert.match(r.output, /\[nsrecipe-lab\] # echo in=\$NSRECIPE_RUN\r?\nin=nsrecipe-lab\r?\n\[nsrecipe-lab\] # /);
    assert.match(
      r.output,
      /\[nsrecipe-lab\] # command -v nsrecipe\r?\n\/run\/nsrecipe\/lab-bin\/nsrecipe\r?\n\[nsrecipe-lab\] # /,
      "on a TTY too, nsrecipe is in the shell's PATH",
    );
  });
});

Deno.test("exec refuses what it cannot do: unknown or undone run, no command, a missing program, words before --", async () => {
  await withLab(async (lab) => {
    assert.equal((await lab.nsrecipe(["run", "netns", "--name", "x"])).code, 0);
    const cases: [string[], RegExp][] = [
      [["exec", "nosuch", "--", "true"], /No applied run is called 'nosuch'/],
      [
        ["exec", "x"],
        /^nsrecipe: No command given to run inside: 'exec' takes it after '--'\n {2}For example: nsrecipe exec x -- ip -br addr; for a shell: nsrecipe shell x$/,
      ],
      [["exec", "x", "--"], /^nsrecipe: No command given to run inside: 'exec' takes it after '--'\n/],
      [["exec", "x", "--", "/no/such"], /'\/no\/such' is not an executable file/],
      [["exec", "x", "ip", "a"], /Unexpected words 'ip' 'a' after 'exec x'/],
    ];
    for (const [args, message] of cases) {
      const r = await lab.nsrecipe(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    assert.equal((await lab.nsrecipe(["undo", "x"])).code, 0);
    const undone = await lab.nsrecipe(["exec", "x", "--", "true"]);
    assert.equal(undone.code, 2);
    assert.match(
      undone.stderr,
      /^nsrecipe: Run '\S+' \(x\) was undone at \d\d:\d\d:\d\d: there is nothing to enter\n {2}Run the recipe again/,
    );
  });
});

Deno.test("a shell with stdin on a terminal but stdout redirected is refused before anything changes (run and shell NAME); a command, or no terminal, still runs", async () => {
  await withLab(async (lab) => {
    const self = selfArgv().map(posixQuote).join(" ");
    assert.equal((await lab.nsrecipe(["run", "netns", "--name", "web"])).code, 0);
    const before = await lab.snapshot();
    // script(1) gives nsrecipe a terminal on stdin; the redirection takes stdout off it.
    const half = (args: string) =>
      lab.sh(["script", "-qec", `${self} ${args} > /tmp/out.txt`, "/dev/null"], "exit 0\n");
    for (
      const [args, what, hint] of [
        [
          "run netns --name so",
          "'nsrecipe run netns'",
          "Leave stdout on the terminal, give a command after '--' (its output goes where stdout goes), " +
          "or set up only, with stdin from /dev/null (the run id goes to stdout).",
        ],
        [
          "shell web",
          "'nsrecipe shell web'",
          // `shell` takes no command after '--' ("Too many arguments"): the hint names exec.
          "Leave stdout on the terminal, or run a command there with 'nsrecipe exec web -- CMD' " +
          "(its output goes where stdout goes).",
        ],
      ]
    ) {
      const r = await half(args);
      assert.equal(r.code, 2, `${args}: ${r.stdout}`);
      assert.match(
        r.stdout,
        new RegExp(
          `A shell needs stdout on the terminal too: with stdout redirected, ${what} would open an unmarked shell`,
        ),
      );
      assert.ok(r.stdout.replaceAll("\r\n", "\n").includes(`\n  ${hint}\n`), `${args}: ${r.stdout}`);
      assert.deepEqual(await lab.snapshot(), before, args);
    }
    const cmd = await half("run netns --name so2 --rm -- echo inside");
    assert.equal(cmd.code, 0, cmd.stdout);
    assert.equal((await lab.sh(["cat", "/tmp/out.txt"])).stdout, "inside\n");
    // A shell reading a script from a pipe is not interactive: it runs.
    const piped = await lab.sh([...selfArgv(), "shell", "web", "--shell", "/bin/sh"], "echo piped\n");
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stdout, "piped\n");
  });
});

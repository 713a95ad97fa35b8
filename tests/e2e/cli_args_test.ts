import assert from "node:assert/strict";
import { posixQuote } from "../../src/exec/mod.ts";
import { selfArgv } from "../../src/lab/mod.ts";
import { type TestLab, withLab } from "../support/lab.ts";
import { onTty } from "../support/tty.ts";

async function journalKinds(lab: TestLab): Promise<string[]> {
  const r = await lab.nsrecipe(["--json", "journal"]);
  return (JSON.parse(r.stdout).records as { kind: string }[]).map((x) => x.kind);
}

Deno.test("words between the recipe and '--' are refused with the command line that was meant, every option typed kept, as it can be pasted; nothing changes", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const cases: [string[], RegExp, string][] = [
      [
        ["run", "netns", "ping", "--name", "w4", "--", "true"],
        /Unexpected word 'ping' after 'run netns': a command to run inside goes after '--'/,
        "nsrecipe run netns --name w4 -- ping true",
      ],
      [
        ["run", "netns", "--name", "w1", "ip", "-br", "a"],
        /Unexpected words 'ip' '-br' 'a' after 'run netns'/,
        "nsrecipe run netns --name w1 -- ip -br a",
      ],
      [
        ["run", "veth-bridge", "--name", "w2", "sleep", "1", "--", "true"],
        /Unexpected words 'sleep' '1' after 'run veth-bridge'/,
        "nsrecipe run veth-bridge --name w2 -- sleep 1 true",
      ],
      [
        ["run", "pid-only", "echo", "hi"],
        /Unexpected words 'echo' 'hi' after 'run pid-only'/,
        "nsrecipe run pid-only -- echo hi",
      ],
      // An option's value that is also a stray word stays the option's; global options stay; words are quoted.
      [
        ["--state-dir", "/run/nsrecipe", "run", "netns", "--name", "ip", "ip", "-br", "a"],
        /Unexpected words 'ip' '-br' 'a' after 'run netns'/,
        "nsrecipe --state-dir /run/nsrecipe run netns --name ip -- ip -br a",
      ],
      [
        ["run", "netns", "--name", "w5", "echo", "a b"],
        /Unexpected words 'echo' 'a b' after 'run netns'/,
        "nsrecipe run netns --name w5 -- echo 'a b'",
      ],
      [
        ["exec", "web", "ip", "-br", "a"],
        /Unexpected words 'ip' '-br' 'a' after 'exec web'/,
        "nsrecipe exec web -- ip -br a",
      ],
    ];
    for (const [args, message, meant] of cases) {
      const r = await lab.nsrecipe(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.ok(r.stderr.split("\n").includes(`  For example: ${meant}`), `${args.join(" ")}:\n${r.stderr}`);
      assert.equal(r.stdout, "");
    }
    assert.deepEqual(await lab.snapshot(), before);
    assert.deepEqual(await journalKinds(lab), []);
  });
});

Deno.test("an unknown option before '--' is still reported as one, with commander's suggestion; --dry-run is refused where it would be ignored", async () => {
  await withLab(async (lab) => {
    assert.equal((await lab.nsrecipe(["run", "netns", "--name", "d"])).code, 0);
    for (const args of [["--dry-run", "exec", "d", "--", "touch", "/run/ran"], ["--dry-run", "shell", "d"]]) {
      const r = await lab.nsrecipe(args);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.stderr, new RegExp(`--dry-run does not apply to '${args[1]}': it would run for real`));
    }
    assert.equal((await lab.sh(["test", "-e", "/run/ran"])).code, 1, "nothing ran");
    const r = await lab.nsrecipe(["run", "netns", "--nmae", "x", "--", "true"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Unknown option '--nmae'/);
    assert.equal(
      r.stderr,
      "nsrecipe: Unknown option '--nmae' (did you mean --name?)\n  Try 'nsrecipe run netns --help'.",
    );
  });
});

Deno.test("nsrecipe, 'run', 'plan' and 'rehearse' without what they need are usage errors (exit 2) with the short usage", async () => {
  await withLab(async (lab) => {
    const none = await lab.nsrecipe([]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /No command given/);
    assert.match(none.stderr, /Usage: nsrecipe COMMAND \[options\]\n/);
    assert.equal(none.stdout, "");
    for (const sub of ["run", "plan", "rehearse"]) {
      const r = await lab.nsrecipe([sub]);
      assert.equal(r.code, 2, sub);
      assert.match(r.stderr, new RegExp(`No recipe given\\.\\nUsage: nsrecipe ${sub} RECIPE`));
      assert.match(r.stderr, /Recipes: pid-only, netns, veth-bridge, full-migrate/);
    }
    const unknown = await lab.nsrecipe(["run", "nosuch"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown recipe 'nosuch'/);
    const help = await lab.nsrecipe(["run", "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: nsrecipe run/);
    assert.match(help.stdout, /Each recipe's options: nsrecipe run RECIPE --help$/m);
    const top = await lab.nsrecipe(["--help"]);
    for (const sub of ["plan", "run", "rehearse"]) {
      assert.match(top.stdout, new RegExp(`^  ${sub} RECIPE `, "m"), `${sub}'s recipe is shown as required`);
    }
  });
});

Deno.test("a command or --shell that cannot be executed is refused before the first step (exit 2, nothing changed)", async () => {
  const plain = await Deno.makeTempFile(); // mode 0600: a file, not executable
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const cases: [string[], RegExp][] = [
      [["run", "netns", "--name", "a", "--", "/no/such/cmd"], /'\/no\/such\/cmd' is not an executable file/],
      [["run", "veth-bridge", "--name", "b", "--", "no-such-program-x"], /'no-such-program-x' was not found in PATH/],
      [["run", "netns", "--name", "c", "--", plain], new RegExp(`'${plain}' is not an executable file`)],
      [["run", "netns", "--name", "d", "--", "/tmp"], /'\/tmp' is not an executable file/],
    ];
    for (const [args, message] of cases) {
      const r = await lab.nsrecipe(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /nothing was changed/);
    }
    const shell = await onTty(lab, ["run", "netns", "--name", "e", "--shell", "/nonexistent"], "");
    assert.equal(shell.code, 2, shell.stdout);
    assert.match(shell.stdout, /--shell '\/nonexistent' is not an executable file/);
    assert.deepEqual(await lab.snapshot(), before);
    assert.deepEqual(await journalKinds(lab), []);
  }).finally(() => Deno.remove(plain));
});

Deno.test("on a TTY, a job-control shell exits cleanly with its own code (no 'Cannot set tty process group')", async () => {
  await withLab(async (lab) => {
    for (const shell of ["/bin/sh", "/bin/bash"]) {
      const r = await onTty(
        lab,
        ["run", "netns", "--name", "t", "--rm", "--shell", shell],
        "echo pid=$$ in $(readlink /proc/self/ns/net)\nexit 3\n",
      );
      assert.doesNotMatch(r.stdout, /Cannot set tty process group/);
      assert.equal(r.code, 3, r.stdout);
      // The shell runs in the run's PID namespace, under script(1) (PID 1 there), not in the lab's netns.
      assert.match(r.stdout, /pid=2 in net:\[\d+\]/);
    }
    const pidOnly = await onTty(lab, ["run", "pid-only"], "exit 7\n", { SHELL: "/bin/sh" });
    assert.doesNotMatch(pidOnly.stdout, /Cannot set tty process group/);
    assert.equal(pidOnly.code, 7, pidOnly.stdout);
    // With stdout redirected the command writes to it directly: no pseudo-terminal turning "\n" into "\r\n".
    const redirected = await lab.sh([
      "script",
      "-qec",
      `${selfArgv().map(posixQuote).join(" ")} run netns --name v --rm -- printf 'a\\nb\\n' > /run/out.txt`,
      "/dev/null",
    ]);
    assert.equal(redirected.code, 0, redirected.stdout);
    assert.equal((await lab.sh(["cat", "/run/out.txt"])).stdout, "a\nb\n");
    const cmd = await onTty(lab, ["run", "netns", "--name", "u", "--rm", "--", "/bin/sh", "-ic", "exit 5"], "");
    assert.doesNotMatch(cmd.stdout, /Cannot set tty process group/);
    assert.equal(cmd.code, 5, cmd.stdout);
  });
});

Deno.test("a mistyped recipe is named as such whatever options follow, on stderr and in --json alike (exit 2, nothing changed)", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    for (
      const [args, first] of [
        [["run", "veth-brige", "--name", "x"], "Unknown recipe 'veth-brige' (did you mean veth-bridge?)."],
        [["plan", "Veth-bridge", "--name", "x"], "Unknown recipe 'Veth-bridge' (did you mean veth-bridge?)."],
        [["run", "netsn", "--name", "x", "--", "true"], "Unknown recipe 'netsn' (did you mean netns?)."],
        [["run", "pid-only", "--name", "foo"], "pid-only takes no --name"],
      ] as const
    ) {
      const r = await lab.nsrecipe([...args]);
      assert.equal(r.code, 2, args.join(" "));
      assert.equal(r.stderr.split("\n")[0], `nsrecipe: ${first}`);
      const j = await lab.nsrecipe(["--json", ...args]);
      assert.equal(j.code, 2);
      assert.equal(JSON.parse(j.stdout).error.message.split("\n")[0], first, "--json says what stderr says");
    }
    const typo = await lab.nsrecipe(["--json", "run", "netns", "--nmae", "x"]);
    assert.equal(JSON.parse(typo.stdout).error.message, "Unknown option '--nmae' (did you mean --name?)");
    assert.equal(JSON.parse(typo.stdout).error.hint, "Try 'nsrecipe run netns --help'.");
    assert.deepEqual(await lab.snapshot(), before);
    assert.deepEqual(await journalKinds(lab), []);
  });
});

Deno.test("--help and help run on a colour terminal inside tmux work under the permission set (the help's colour probe reads TMUX, CI, COLORTERM…)", async () => {
  for (const args of [["--help"], ["help", "run"], ["run", "--help"]]) {
    const cmd = [...selfArgv(), ...args].map(posixQuote).join(" ");
    const r = await new Deno.Command("script", {
      args: ["-qec", cmd, "/dev/null"],
      env: { TERM: "xterm-256color", TMUX: "/tmp/tmux-0/default,1,0", COLORTERM: "truecolor", CI: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(r.stdout);
    assert.equal(r.code, 0, `${args.join(" ")}: ${out}`);
    assert.match(out, /Usage: nsrecipe/, args.join(" "));
    assert.doesNotMatch(out, /missing Deno permission/);
  }
});

Deno.test("help with an unknown command says so (not 'No command given'), exit 2; help with a known one shows its help, with a recipe that recipe's", async () => {
  const run = async (args: string[]) => {
    const r = await new Deno.Command(selfArgv()[0], { args: [...selfArgv().slice(1), ...args], stdin: "null" })
      .output();
    return { code: r.code, stdout: new TextDecoder().decode(r.stdout), stderr: new TextDecoder().decode(r.stderr) };
  };
  const bogus = await run(["help", "bogus"]);
  assert.equal(bogus.code, 2);
  assert.equal(
    bogus.stderr,
    "nsrecipe: Unknown command 'bogus'. Commands: list, show, plan, run, rehearse, exec, shell, undo, confirm, " +
      "status, doctor, journal, lab, man, completions, help\n  Try 'nsrecipe --help'.\n",
  );
  for (const command of ["undo", "completions", "man"]) {
    const known = await run(["help", command]);
    assert.equal(known.code, 0, `${command}: ${known.stderr}`);
    assert.match(known.stdout, new RegExp(`^Usage: nsrecipe ${command}`));
  }
  // help [COMMAND [RECIPE]]: a recipe's help, as `run veth-bridge --help` gives it; `help help` is the top-level help.
  const recipe = await run(["help", "run", "veth-bridge"]);
  assert.equal(recipe.code, 0, recipe.stderr);
  assert.equal(recipe.stdout, (await run(["run", "veth-bridge", "--help"])).stdout);
  assert.match(recipe.stdout, /^Usage: nsrecipe run veth-bridge \[options\] \[-- CMD\.\.\.\]\n/);
  const helpHelp = await run(["help", "help"]);
  assert.equal(helpHelp.code, 0, helpHelp.stderr);
  assert.equal(helpHelp.stdout, (await run(["--help"])).stdout);
  assert.match(helpHelp.stdout, /^ {2}help \[COMMAND \[RECIPE\]\] +display help for a command, or for a recipe/m);
});

Deno.test("X7: an option taking one value, given twice, is a usage error naming it and both values (exit 2, nothing changed); --confirm takes decimal digits only", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const twice: [string[], string][] = [
      [["plan", "netns", "--name", "a", "--name", "b"], "--name is given twice ('a', then 'b'); it takes one value"],
      [
        ["run", "veth-bridge", "--address", "10.5.0.2/24", "--address=10.6.0.2/24", "--", "true"],
        "--address is given twice ('10.5.0.2/24', then '10.6.0.2/24'); it takes one value",
      ],
      [["plan", "full-migrate", "--confirm", "30", "--confirm", "60"], "--confirm is given twice ('30', then '60')"],
      [
        ["--state-dir", "/run/a", "run", "netns", "--state-dir", "/run/b", "--", "true"],
        "--state-dir is given twice ('/run/a', then '/run/b')",
      ],
      [["run", "netns", "-f", "/run/a.yaml", "--file", "/run/b.yaml"], "--file is given twice ('/run/a.yaml', then"],
    ];
    for (const [args, message] of twice) {
      const r = await lab.nsrecipe(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.ok(r.stderr.startsWith(`nsrecipe: ${message}`), `${args.join(" ")}:\n${r.stderr}`);
    }
    for (const given of ["0x10", "1e3", " 5", "+5", ""]) {
      const r = await lab.nsrecipe(["plan", "netns", "--name", "p", "--confirm", given]);
      assert.equal(r.code, 2, `--confirm ${given}: ${r.stderr}`);
      assert.ok(
        r.stderr.startsWith(`nsrecipe: --confirm '${given}' is not a whole number of seconds from 1 to 3600\n`),
        r.stderr,
      );
      assert.match(r.stderr, /decimal digits, e\.g\. --confirm 120/);
    }
    // A flag given twice means what it means once.
    const ok = await lab.nsrecipe(["--json", "--json", "plan", "netns", "--name", "a"]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(await lab.snapshot(), before);
    assert.deepEqual(await journalKinds(lab), []);
  });
});

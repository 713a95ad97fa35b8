import assert from "node:assert/strict";
import { main } from "../../src/cli/program.ts";

/**
 * What nsrecipe prints on stderr, and its exit code, for a command line that
 * commander refuses (a usage error: nothing is read or changed on the host).
 */
async function refusal(args: string[]): Promise<{ code: number; stderr: string }> {
  const lines: string[] = [];
  const { log, error } = console;
  console.log = () => {};
  console.error = (...a: unknown[]) => lines.push(a.join(" "));
  try {
    const code = await main([...args]);
    return { code, stderr: lines.join("\n") };
  } finally {
    Object.assign(console, { log, error });
  }
}

/** The commands `--help` lists, in its order: an unknown command's error lists them, and nothing else. */
const COMMANDS =
  "list, show, plan, run, rehearse, exec, shell, undo, confirm, status, doctor, journal, lab, man, completions, help";

Deno.test("a word in a command position is suggested commands only (never a recipe), typed alone or after help; a word in a recipe position, recipes only", async () => {
  const unknown = (word: string, suggestion: string) =>
    `nsrecipe: Unknown command '${word}'${suggestion}. Commands: ${COMMANDS}\n  Try 'nsrecipe --help'.`;
  for (
    const [args, stderr] of [
      [["stauts"], unknown("stauts", " (did you mean status?)")],
      [["help", "stauts"], unknown("stauts", " (did you mean status?)")],
      [["help", "stauts", "netns"], unknown("stauts", " (did you mean status?)")],
      [["--verbose", "complitions", "bash"], unknown("complitions", " (did you mean completions?)")],
      // A recipe's name is not a command: not suggested, and no recipe is (`netsn` is one edit from `netns`).
      [["netns"], unknown("netns", "")],
      [["netsn"], unknown("netsn", "")],
      [["shwo", "netns"], unknown("shwo", " (did you mean show?)")],
      [
        ["run", "stauts"],
        "nsrecipe: Unknown recipe 'stauts'.\nUsage: nsrecipe run RECIPE [options] [-- CMD...]\n" +
        "Recipes: pid-only, netns, veth-bridge, full-migrate\n  Try 'nsrecipe run RECIPE --help' or 'nsrecipe list'.",
      ],
      [
        ["help", "plan", "netsn"],
        "nsrecipe: Unknown recipe 'netsn' (did you mean netns?).\nUsage: nsrecipe plan RECIPE [options]\n" +
        "Recipes: pid-only, netns, veth-bridge, full-migrate\n  Try 'nsrecipe plan RECIPE --help' or 'nsrecipe list'.",
      ],
      // show words an unknown recipe as run and plan do (it said "Known recipes: … ('nsrecipe list')" in its hint).
      [
        ["show", "veth-brige"],
        "nsrecipe: Unknown recipe 'veth-brige' (did you mean veth-bridge?).\nUsage: nsrecipe show RECIPE\n" +
        "Recipes: pid-only, netns, veth-bridge, full-migrate\n  Try 'nsrecipe list'.",
      ],
    ] as const
  ) {
    const r = await refusal([...args]);
    assert.equal(r.code, 2, args.join(" "));
    assert.equal(r.stderr, stderr, args.join(" "));
  }
});

Deno.test("help takes what its usage line says, help [COMMAND [RECIPE]]: a RECIPE only after plan, run or rehearse, nothing more", async () => {
  const usage = "(usage: nsrecipe help [COMMAND [RECIPE]])";
  for (
    const [args, stderr] of [
      [
        ["help", "status", "netns"],
        `nsrecipe: 'status' has no recipes: 'help COMMAND RECIPE' is for plan, run and rehearse ${usage}\n` +
        "  Try 'nsrecipe help status'.",
      ],
      [
        ["help", "run", "veth-bridge", "x"],
        `nsrecipe: Too many arguments for 'help': 'x' ${usage}\n  Try 'nsrecipe help run veth-bridge'.`,
      ],
    ] as const
  ) {
    const r = await refusal([...args]);
    assert.equal(r.code, 2, args.join(" "));
    assert.equal(r.stderr, stderr, args.join(" "));
  }
});

Deno.test("commander's suggestion stays on the message's line, and the hint names the help of the command that refused", async () => {
  for (
    const [args, stderr] of [
      [
        ["plan", "veth-bridge", "--nmae", "x"],
        "nsrecipe: Unknown option '--nmae' (did you mean --name?)\n  Try 'nsrecipe plan veth-bridge --help'.",
      ],
      [
        ["--verbose", "run", "full-migrate", "--adress6", "2001:db8:1::50/64"],
        "nsrecipe: Unknown option '--adress6' (did you mean --address6?)\n  Try 'nsrecipe run full-migrate --help'.",
      ],
      [
        ["plan", "veth-bridge", "--name"],
        "nsrecipe: --name is missing its value (nothing follows it)\n" +
        "  Give --name its value right after it: --name <name>.",
      ],
      [["exec"], "nsrecipe: Missing RUN (usage: nsrecipe exec RUN -- CMD...)\n  Try 'nsrecipe exec --help'."],
      [["show"], "nsrecipe: Missing RECIPE (usage: nsrecipe show RECIPE)\n  Try 'nsrecipe show --help'."],
      [
        ["completions"],
        "nsrecipe: Missing SHELL (usage: nsrecipe completions SHELL)\n  Try 'nsrecipe completions --help'.",
      ],
      [
        ["doctor", "x"],
        "nsrecipe: Too many arguments for 'doctor': 'x' (usage: nsrecipe doctor [options])\n" +
        "  Try 'nsrecipe doctor --help'.",
      ],
      [
        ["shell", "web", "api", "db"],
        "nsrecipe: Too many arguments for 'shell': 'api' 'db' (usage: nsrecipe shell RUN [options])\n" +
        "  Try 'nsrecipe shell --help'.",
      ],
      [
        ["status", "--deap"],
        "nsrecipe: Unknown option '--deap' (did you mean --deep?)\n  Try 'nsrecipe status --help'.",
      ],
      [
        ["--state-dir", "/run/nsrecipe", "undo", "--al"],
        "nsrecipe: Unknown option '--al' (did you mean --all?)\n  Try 'nsrecipe undo --help'.",
      ],
      [
        ["rn", "veth-bridge"],
        `nsrecipe: Unknown command 'rn' (did you mean run?). Commands: ${COMMANDS}\n` +
        "  Try 'nsrecipe --help'.",
      ],
      [
        ["--verbos", "status"],
        "nsrecipe: Unknown option '--verbos' (did you mean --verbose?)\n  Try 'nsrecipe status --help'.",
      ],
      [["-x"], "nsrecipe: Unknown option '-x'\n  Try 'nsrecipe --help'."],
    ] as const
  ) {
    const r = await refusal([...args]);
    assert.equal(r.code, 2, args.join(" "));
    assert.equal(r.stderr, stderr, args.join(" "));
  }
});

Deno.test("an option whose value was left out is named, not the word after it (no value nsrecipe takes starts with '--')", async () => {
  // Only command lines that cannot change this host, refused or not: plan, doctor, and lab refused before it starts.
  for (
    const [args, stderr] of [
      [
        ["doctor", "--uplink", "--name", "x"],
        "nsrecipe: --uplink is missing its value ('--name', which follows it, is an option)\n" +
        "  Give --uplink its value right after it: --uplink <dev>.",
      ],
      [
        ["lab", "--gateway", "--", "run", "netns", "--name", "x"],
        "nsrecipe: --gateway is missing its value ('--', which follows it, ends the options)\n" +
        "  Give --gateway its value right after it: --gateway <ip>.",
      ],
      [
        ["plan", "veth-bridge", "--address", "--subnet", "10.0.0.0/24"],
        "nsrecipe: --address is missing its value ('--subnet', which follows it, is an option)\n" +
        "  Give --address its value right after it: --address <cidr>.",
      ],
      [
        ["plan", "netns", "-f", "--name", "w"],
        "nsrecipe: --file is missing its value ('--name', which follows it, is an option)\n" +
        "  Give --file its value right after it: -f, --file <file.yaml>.",
      ],
      // A global option right after it: commander reads global options first, wherever they stand.
      [
        ["shell", "--shell", "--verbose", "web"],
        "nsrecipe: --shell is missing its value ('--verbose', which follows it, is an option)\n" +
        "  Give --shell its value right after it: --shell <path>.",
      ],
      [
        ["plan", "netns", "--name", "--dry-run", "x"],
        "nsrecipe: --name is missing its value ('--dry-run', which follows it, is an option)\n" +
        "  Give --name its value right after it: --name <name>.",
      ],
      [
        ["doctor", "--bridge", "--state-dir", "/run/nsrecipe"],
        "nsrecipe: --bridge is missing its value ('--state-dir', which follows it, is an option)\n" +
        "  Give --bridge its value right after it: --bridge <name>.",
      ],
      [
        ["doctor", "--uplink", "--no-color"],
        "nsrecipe: --uplink is missing its value ('--no-color', which follows it, is an option)\n" +
        "  Give --uplink its value right after it: --uplink <dev>.",
      ],
      [
        ["plan", "netns", "-f"],
        "nsrecipe: --file is missing its value (nothing follows it)\n" +
        "  Give --file its value right after it: -f, --file <file.yaml>.",
      ],
      // A value given in the option's own word was not left out: the option's own check refuses it.
      [
        ["plan", "netns", "--name=--help", "--verbose"],
        "nsrecipe: The namespace name '--help' given to --name is not allowed. Use letters, digits, '.', '_' and " +
        "'-', starting with a letter or digit.\n" +
        "  See 'nsrecipe show netns' for the options and their forms.",
      ],
      [
        ["doctor", "--uplink=--x", "--verbose"],
        "nsrecipe: The link name '--x' given to --uplink is not allowed\n" +
        "  Use letters, digits, '.', '_' and '-', starting with a letter or digit.",
      ],
    ] as const
  ) {
    const r = await refusal([...args]);
    assert.equal(r.code, 2, args.join(" "));
    assert.equal(r.stderr, stderr, args.join(" "));
  }
});

Deno.test("an option whose value was left out, under --json: the document's error says it as stderr does", async () => {
  const lines: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => lines.push(a.join(" "));
  console.error = () => {};
  try {
    assert.equal(await main(["doctor", "--uplink", "--json"]), 2);
  } finally {
    Object.assign(console, { log, error });
  }
  const doc = JSON.parse(lines.join("\n"));
  assert.deepEqual(doc.error, {
    kind: "UsageError",
    message: "--uplink is missing its value ('--json', which follows it, is an option)",
    hint: "Give --uplink its value right after it: --uplink <dev>.",
  });
  assert.equal(doc.exitCode, 2);
});

Deno.test("refuseOptionsAsValues leaves alone the words of the command after '--' (they are its own)", async () => {
  const { Command } = await import("@commander-js/extra-typings");
  const { refuseOptionsAsValues } = await import("../../src/cli/option_values.ts");
  const args = ["run", "--shell", "/bin/zsh", "--", "sh", "--shell", "--verbose"];
  const program = new Command().exitOverride().option("--verbose");
  let got: unknown;
  program.command("run").option("--shell <path>").argument("[command...]").action((command, opts) => {
    got = { command, opts };
  });
  refuseOptionsAsValues(program, args);
  await program.parseAsync(args, { from: "user" });
  assert.deepEqual(got, { command: ["sh", "--shell", "--verbose"], opts: { shell: "/bin/zsh" } });
});

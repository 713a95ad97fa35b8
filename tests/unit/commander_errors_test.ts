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
        "nsrecipe: Option '--name <name>' argument missing\n  Try 'nsrecipe plan veth-bridge --help'.",
      ],
      [["exec"], "nsrecipe: Missing required argument 'run'\n  Try 'nsrecipe exec --help'."],
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
        "nsrecipe: Unknown command 'rn' (did you mean run?). Recipes: pid-only, netns, veth-bridge, full-migrate\n" +
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

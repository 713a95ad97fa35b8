import assert from "node:assert/strict";
import { RECIPES } from "../../recipes/mod.ts";
import {
  GLOBAL_OPTIONS,
  type OptionSpec,
  PLAIN_COMMANDS,
  type PlainCommandLine,
  type RecipeCommandLine,
  type RecipeCommandName,
  recipeCommandOptions,
} from "../../src/cli/command_spec.ts";
import { parsePlainCommandLine } from "../../src/cli/fast_parse.ts";
import { readFastLine } from "../../src/cli/fast_path.ts";
import { main } from "../../src/cli/program.ts";
import { fieldsOf } from "../../src/cli/recipe_options.ts";
import { DEFAULT_STATE_DIR } from "../../src/journal/paths.ts";

/**
 * What commander (nsrecipe's whole command line: `program.ts`'s checks, then commander's parse) makes of `args`:
 * the command line its action was given, or the exit code when it ended without one (an error, help).
 * Whatever it prints is swallowed.
 */
async function commanderReading(args: string[]): Promise<PlainCommandLine | RecipeCommandLine | number> {
  let line: PlainCommandLine | RecipeCommandLine | undefined;
  const { log, error } = console;
  console.log = console.error = () => {};
  try {
    const code = await main([...args], {
      plain: (parsed) => {
        line = parsed;
        return Promise.resolve(0);
      },
      recipe: (parsed) => {
        line = parsed;
        return Promise.resolve(0);
      },
    });
    return line ?? code;
  } finally {
    Object.assign(console, { log, error });
  }
}

/** What the fast path reads from `args` (as `fast_path.ts` runs it), or `undefined` when it leaves it to commander. */
async function fastReading(args: string[]): Promise<PlainCommandLine | RecipeCommandLine | undefined> {
  const read = await readFastLine(args);
  return read && ("plain" in read ? read.plain : read.line);
}

/** Every way to write one option, from the spec: as an admin should (`good`), and each mistake (`bad`). */
function spellings(o: OptionSpec): { good: string[][]; bad: string[][] } {
  const name = o.long.slice(2);
  const bad = [[`${o.long}=`], [`--${name.slice(0, -1)}`], [`${o.long}x`], [o.long.slice(1)]];
  if (o.value) {
    bad.push([o.long], [o.long, "-x"], [`${o.long}=-x`], [o.long, ""], [o.long, "--"], [o.long, "--json"]);
    return { good: [[o.long, "/run/x"], [`${o.long}=/run/y`], [o.long, "status"], [o.long, "undo"]], bad };
  }
  bad.push([`${o.long}=1`], [`--no-${name}`], name.startsWith("no-") ? [`--${name.slice(3)}`] : [`-${name[0]}`]);
  return { good: [[o.long]], bad };
}

/** Operands as typed, and words that look like them. */
const OPERANDS: string[][] = [["web"], ["r-1"], ["-"], [""], ["help"], ["status"], ["a b"], ["netns"], ["12"]];

/** Words that are not options nor operands of a plain command: help, version, `--`, other commands, unknowns. */
const OTHER: string[][] = [
  ["--"],
  ["-h"],
  ["--help"],
  ["-V"],
  ["--version"],
  ["-x"],
  ["--bogus"],
  ["-jv"],
  ["--state-dir=/run/a", "--state-dir", "/run/b"],
  ["run"],
  ["list"],
  ["man"],
  ["exec"],
];

/** A command to run inside, after `--`. */
const INSIDE: string[][] = [["--"], ["--", "true"], ["--", "ip", "-br", "a"], ["--", "--json"], ["--", "--", "x"]];

/** A small deterministic random source (mulberry32), so that the corpus is the same on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6D2B79F5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The corpus, generated from the spec: for each plain command, its word with every spelling (good and bad) of
 * every global and own option and of every other word, before and after it and beside an operand, and pairs of
 * options; then random lines: a command word among good pieces with now and then a bad one, and lines of any
 * pieces in any order (any command word, repeats, nothing).
 */
function corpus(): string[][] {
  const lines: string[][] = [[]];
  const globals = GLOBAL_OPTIONS.map(spellings);
  const goodGlobals = globals.flatMap((s) => s.good);
  const all: string[][] = [...globals.flatMap((s) => [...s.good, ...s.bad]), ...OPERANDS, ...OTHER];
  const next = random(8);
  const pick = <T>(from: readonly T[]): T => from[Math.floor(next() * from.length)];
  for (const spec of Object.values(PLAIN_COMMANDS)) {
    const own = spec.options.map(spellings);
    const mine = [...own.flatMap((s) => [...s.good, ...s.bad]), ...all, ...INSIDE];
    all.push([spec.name], ...own.flatMap((s) => [...s.good, ...s.bad]));
    for (const o of mine) {
      lines.push([...o, spec.name], [spec.name, ...o], [spec.name, "web", ...o], [spec.name, ...o, "web"]);
      lines.push([...o, spec.name, "web"], [spec.name, ...o, ...o], [spec.name, "web", "5", ...o]);
    }
    const good = [...own.flatMap((s) => s.good), ...goodGlobals];
    for (const a of good) {
      for (let i = 0; i < 12; i++) {
        const b = pick(mine);
        lines.push([spec.name, ...a, ...b], [...a, spec.name, ...b], [spec.name, "web", ...a, ...b]);
      }
    }
    for (let i = 0; i < 500; i++) {
      const before = Array.from({ length: Math.floor(next() * 3) }, () => pick(goodGlobals)).flat();
      const after = Array.from({ length: Math.floor(next() * 4) }, () => pick(next() < 0.2 ? mine : good)).flat();
      for (let n = Math.floor(next() * 3); n > 0; n--) {
        after.splice(Math.floor(next() * (after.length + 1)), 0, pick(OPERANDS)[0]);
      }
      lines.push([...before, spec.name, ...after, ...(spec.inside && next() < 0.6 ? pick(INSIDE) : [])]);
    }
  }
  for (const command of ["plan", "run"] as RecipeCommandName[]) {
    for (const recipe of RECIPES) {
      const fields: OptionSpec[] = fieldsOf(recipe.params).map((f) =>
        f.boolean ? { long: f.flag as `--${string}`, description: "" } : {
          long: f.flag as `--${string}`,
          value: "<v>",
          description: "",
        }
      );
      const file: OptionSpec = { long: "--file", value: "<file.yaml>", description: "" };
      const own = [...recipeCommandOptions(command), ...fields, file].map(spellings);
      const good = [...own.flatMap((s) => s.good), ...goodGlobals];
      const mine = [...own.flatMap((s) => [...s.good, ...s.bad]), ...all, ...INSIDE, ["-f", "x.yaml"]];
      all.push([command, recipe.name]);
      const words = [command, recipe.name];
      for (const o of mine) {
        lines.push([...words, ...o], [...o, ...words], [command, ...o, recipe.name], [...words, ...o, ...o]);
        lines.push([...words, ...o, "--", "true"], [...words, "web", ...o]);
      }
      for (const a of good) for (let i = 0; i < 8; i++) lines.push([...words, ...a, ...pick(mine)]);
      for (let i = 0; i < 150; i++) {
        const before = Array.from({ length: Math.floor(next() * 3) }, () => pick(goodGlobals)).flat();
        const after = Array.from({ length: Math.floor(next() * 5) }, () => pick(next() < 0.15 ? mine : good)).flat();
        const inside = next() < 0.4 ? pick(INSIDE) : [];
        lines.push([...before, ...words, ...after, ...inside]);
      }
    }
  }
  for (let i = 0; i < 3000; i++) lines.push(Array.from({ length: Math.floor(next() * 6) }, () => pick(all)).flat());
  return lines;
}

Deno.test("the fast path reads every line of a large hostile corpus exactly as commander does, or leaves it to commander", async () => {
  const readFast = new Map<string, number>();
  const lines = corpus();
  for (const args of lines) {
    const fast = await fastReading(args);
    if (fast === undefined) continue;
    readFast.set(fast.command, (readFast.get(fast.command) ?? 0) + 1);
    assert.deepEqual(fast, await commanderReading(args), JSON.stringify(args));
  }
  // Both sides of the corpus are large: every command's lines are read fast many times (each checked above), and
  // many lines are left to commander.
  const accepted = [...readFast.values()].reduce((a, b) => a + b, 0);
  assert.ok(lines.length > 30000, `${lines.length} lines`);
  assert.ok(lines.length - accepted > 20000, `${accepted} of ${lines.length} read fast`);
  for (const command of [...Object.keys(PLAIN_COMMANDS), "plan", "run"]) {
    assert.ok((readFast.get(command) ?? 0) >= 50, `${command}: ${readFast.get(command)} lines read fast`);
  }
});

Deno.test("ordinary command lines of the plain commands are read fast, with commander's values and defaults", async () => {
  const plain = { stateDir: DEFAULT_STATE_DIR, color: true };
  const line = (command: PlainCommandLine["command"], operands: string[], more: Partial<PlainCommandLine> = {}) => ({
    command,
    operands,
    opts: {},
    inside: [],
    globals: plain,
    ...more,
  });
  const cases: [string[], PlainCommandLine][] = [
    [["status"], line("status", [])],
    [
      ["--json", "status", "web", "--quick", "--state-dir", "/run/x"],
      line("status", ["web"], { opts: { quick: true }, globals: { stateDir: "/run/x", json: true, color: true } }),
    ],
    [
      ["--state-dir=/run/y", "--no-color", "undo", "--all", "--verbose", "--dry-run"],
      line("undo", [], {
        opts: { all: true },
        globals: { stateDir: "/run/y", color: false, verbose: true, dryRun: true },
      }),
    ],
    [["journal", "r-1"], line("journal", ["r-1"])],
    [["confirm", "--json", "web"], line("confirm", ["web"], { globals: { ...plain, json: true } })],
    [["exec", "web", "--", "ip", "-br", "a"], line("exec", ["web"], { inside: ["ip", "-br", "a"] })],
    [["shell", "web"], line("shell", ["web"], { opts: { shell: Deno.env.get("SHELL") || "/bin/bash" } })],
    [["doctor", "--name", "w", "--bridge=br1"], line("doctor", [], { opts: { name: "w", bridge: "br1" } })],
    [["--state-dir", "/run/x", "__watchdog", "r-1", "1700000000000"], {
      ...line("__watchdog", ["r-1", "1700000000000"]),
      globals: { ...plain, stateDir: "/run/x" },
    }],
    [["show", "netns"], line("show", ["netns"])],
    [["list"], line("list", [])],
  ];
  for (const [args, expected] of cases) {
    assert.deepEqual(parsePlainCommandLine(args), expected, args.join(" "));
    assert.deepEqual(await commanderReading(args), expected, args.join(" "));
  }
});

Deno.test("ordinary plan and run command lines are read fast: the recipe's options by schema key, run's shell default, the command after '--'", async () => {
  const shell = Deno.env.get("SHELL") || "/bin/bash";
  const plain = { stateDir: DEFAULT_STATE_DIR, color: true };
  const cases: [string[], RecipeCommandLine][] = [
    [["run", "netns", "--name", "web", "--", "ip", "-br", "a"], {
      command: "run",
      recipe: "netns",
      opts: { name: "web", shell },
      shellGiven: false,
      inside: ["ip", "-br", "a"],
      globals: plain,
    }],
    [["--json", "plan", "veth-bridge", "--name=w", "--nat", "--bridge-address", "10.0.0.1/24", "--confirm", "30"], {
      command: "plan",
      recipe: "veth-bridge",
      opts: { name: "w", nat: true, bridgeAddress: "10.0.0.1/24", confirm: "30" },
      shellGiven: false,
      inside: [],
      globals: { ...plain, json: true },
    }],
    [
      ["run", "full-migrate", "--no-confirm", "--rm", "--shell", "/bin/sh", "--state-dir", "/run/x", "--address6", "a"],
      {
        command: "run",
        recipe: "full-migrate",
        opts: { confirm: false, rm: true, shell: "/bin/sh", address6: "a" },
        shellGiven: true,
        inside: [],
        globals: { ...plain, stateDir: "/run/x" },
      },
    ],
  ];
  for (const [args, expected] of cases) {
    assert.deepEqual(await fastReading(args), expected, args.join(" "));
    assert.deepEqual(await commanderReading(args), expected, args.join(" "));
  }
});

Deno.test("help, version, '--', repeats, unknown options, stray words and other commands are left to commander", async () => {
  const cases = [
    ["status", "--help"],
    ["undo", "-h"],
    ["help", "status"],
    ["status", "-V"],
    ["--", "status"],
    ["status", "--", "web"],
    ["status", "--json", "--json"],
    ["--state-dir", "/run/a", "--state-dir", "/run/b", "undo"],
    ["status", "a", "b"],
    ["status", "--deeep"],
    ["--deep", "status"],
    ["journal", "--all"],
    ["status", "--state-dir"],
    ["status", "--state-dir", "-x"],
    ["run", "netns", "--name", "w", "ip", "-br", "a"],
    ["run", "netns", "-f", "x.yaml"],
    ["plan", "netns", "--name", "w", "--", "x"],
    ["run", "pid-only", "--name", "x"],
    ["run", "netns", "--name", "a", "--name", "b"],
    ["run", "--rm", "netns"],
    ["run", "netns", "--help"],
    ["run", "nope", "--name", "x"],
    ["rehearse", "netns", "--name", "x"],
    ["exec", "web", "ip", "-br", "a"],
    ["exec", "--", "web", "true"],
    ["exec", "web", "--bogus", "--", "true"],
    ["list", "x"],
    ["__watchdog", "r-1"],
    ["doctor", "--name"],
    [],
  ];
  for (const args of cases) assert.equal(await fastReading(args), undefined, args.join(" "));
});

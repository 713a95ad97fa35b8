import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);

/**
 * The modules a module loads before any of its code runs: its static value imports (not `import type`, not
 * `import("…")`), followed through relative paths; bare specifiers (`zod`, `commander`) are listed as they are.
 */
async function staticClosure(entry: string, seen = new Set<string>()): Promise<Set<string>> {
  const visit = async (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    if (!file.endsWith(".ts")) return;
    const text = await Deno.readTextFile(new URL(file, ROOT));
    for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?\bfrom\s+"([^"]+)"/gms)) {
      if (/^(?:import|export)\s*\{\s*(?:type\s+[\w$]+\s*(?:,\s*)?)+\}/.test(m[0])) continue; // only types named
      const spec = m[1];
      await visit(spec.startsWith(".") ? new URL(spec, new URL(file, ROOT)).href.slice(ROOT.href.length) : spec);
    }
  };
  await visit(entry);
  return seen;
}

/**
 * What a command loads: the static closures of the modules `program.ts` (or the fast path, `fast_path.ts`) imports
 * on its way (`import("…")`).
 */
async function loads(entries: readonly string[]): Promise<Set<string>> {
  const seen = new Set<string>();
  for (const entry of entries) await staticClosure(entry, seen);
  return seen;
}

/**
 * zod, as nsrecipe loads it (`zod/mini` bundled into `vendor/zod_mini.js`, see `src/zod.ts`), the npm package's
 * `zod/mini`, or its classic API (which no command loads).
 */
const ZOD = /^(zod(\/mini)?|vendor\/zod_mini\.js)$/;

/**
 * The IP library (ip-bigint, an ES module), or ipaddr.js, which no command loads any more (CommonJS: it booted
 * Deno's `require` machinery, about 12 ms of CPU on `run veth-bridge`).
 */
const IP_LIBRARY = /^(ip-bigint|ipaddr\.js)$/;

/** The recipes other than `types.ts` (types only) and `by_name.ts` (the loaders, with nothing loaded). */
const RECIPE_MODULE = /^recipes\/(?!types\.ts$|by_name\.ts$)/;

/**
 * What an ordinary command line of a plain command (status, undo, exec, doctor, …), plan RECIPE or run RECIPE loads
 * before its own module: the fast path's parser (no commander).
 */
const FAST_PATH = ["src/cli/entry.ts", "src/cli/fast_path.ts", "src/cli/fast_parse.ts", "src/cli/plain_commands.ts"];

/** Commander and the module that builds nsrecipe's program with it: only for what the fast path leaves to them. */
const COMMANDER = ["@commander-js/extra-typings", "commander", "src/cli/program.ts"];

/**
 * Each hot command (the ones the tests and admins run most), the modules `program.ts` imports for it (its command
 * module, `where.ts` for the commands that refuse inside a run, the recipe a `run`/`plan` names alone, …), and
 * the modules it must not load: a module that only another command needs, or only another input (yaml: only with
 * `-f FILE.yaml`, when `recipe_options.ts` imports it; ip-bigint: only for a recipe that does subnet math; zod:
 * only for a recipe's options, or a journal record beyond the checked mark, when `reader.ts` imports `schema.ts`,
 * and then only `zod/mini`, as bundled in `vendor/zod_mini.js`, never zod's classic API).
 */
const COMMANDS: readonly { command: string; entries: string[]; must: string[]; never: (string | RegExp)[] }[] = [
  {
    command: "the command line itself (--help, man, completions, …)",
    entries: ["src/cli/program.ts"],
    must: ["@commander-js/extra-typings", "recipes/by_name.ts"],
    never: [RECIPE_MODULE, ZOD, "yaml", IP_LIBRARY, /^src\/(journal\/(?!paths\.ts$)|engine|host|steps|doctor)\//],
  },
  {
    command: "status",
    entries: [...FAST_PATH, "src/cli/where.ts", "src/cli/status.ts"],
    must: ["src/journal/reader.ts", "src/engine/drift.ts"],
    never: [
      ...COMMANDER,
      ZOD,
      "src/zod.ts",
      RECIPE_MODULE,
      "yaml",
      IP_LIBRARY,
      "src/lab/spec.ts",
      /^src\/doctor\//,
      "src/cli/run.ts",
      // status only reads: none of the engine that changes the host (apply, revert, undo, confirm), nor the acting
      // half of expired windows (it reports them; run, confirm and undo act on them).
      "src/engine/apply.ts",
      "src/engine/revert.ts",
      "src/engine/undo.ts",
      "src/engine/confirm.ts",
      "src/engine/mod.ts",
      "src/cli/expired.ts",
      // Nor the host's readers it does not read with (host facts for preflight, snapshots for tests and the lab,
      // nft and socket scans for undo's refusals): the steps and status import the host modules they use.
      "src/host/mod.ts",
      "src/host/facts.ts",
      "src/host/snapshot.ts",
      "src/host/named_links.ts",
    ],
  },
  {
    command: "undo (with nothing to undo; the engine only once it has a run to undo)",
    entries: [...FAST_PATH, "src/cli/where.ts", "src/cli/undo.ts"],
    must: ["src/journal/reader.ts", "src/engine/undo_select.ts", "src/cli/expired.ts"],
    never: [
      ...COMMANDER,
      ZOD,
      "src/zod.ts",
      RECIPE_MODULE,
      "yaml",
      IP_LIBRARY,
      "src/lab/spec.ts",
      /^src\/doctor\//,
      "src/cli/status.ts",
      // The engine (undo, revert and their looks at the host), and the acting half of expired windows, load only when
      // there is a run to undo or a window to act on (undo.ts, expired.ts).
      "src/engine/mod.ts",
      "src/engine/undo.ts",
      "src/engine/revert.ts",
      "src/engine/undo_hazards.ts",
      "src/engine/drift.ts",
      "src/engine/apply.ts",
      "src/host/memo.ts",
      "src/host/facts.ts",
      "src/host/snapshot.ts",
      "src/host/named_links.ts",
    ],
  },
  {
    command: "undo of a run",
    entries: [...FAST_PATH, "src/cli/where.ts", "src/cli/undo.ts", "src/engine/mod.ts"],
    must: ["src/journal/reader.ts", "src/engine/undo.ts", "src/engine/revert.ts"],
    never: [
      ...COMMANDER,
      ZOD,
      "src/zod.ts",
      RECIPE_MODULE,
      "yaml",
      IP_LIBRARY,
      "src/lab/spec.ts",
      /^src\/doctor\//,
      "src/cli/status.ts",
    ],
  },
  {
    command: "journal",
    entries: [...FAST_PATH, "src/cli/journal.ts"],
    must: ["src/journal/reader.ts"],
    never: [
      ...COMMANDER,
      ZOD,
      "src/zod.ts",
      RECIPE_MODULE,
      "yaml",
      IP_LIBRARY,
      /^src\/(engine|doctor)\//,
      "src/lab/spec.ts",
      "src/cli/composition_root.ts",
    ],
  },
  {
    command: "confirm",
    entries: [...FAST_PATH, "src/cli/where.ts", "src/cli/composition_root.ts", "src/cli/confirm.ts"],
    must: ["src/journal/reader.ts", "src/engine/confirm.ts"],
    never: [...COMMANDER, ZOD, "src/zod.ts", RECIPE_MODULE, "yaml", IP_LIBRARY, "src/lab/spec.ts", /^src\/doctor\//],
  },
  {
    command: "exec and shell",
    entries: [...FAST_PATH, "src/cli/where.ts", "src/cli/composition_root.ts", "src/cli/exec.ts"],
    must: ["src/journal/reader.ts", "recipes/enter.ts"],
    never: [
      ...COMMANDER,
      ZOD,
      "src/zod.ts",
      /^recipes\/(?!types\.ts$|by_name\.ts$|enter\.ts$)/,
      "yaml",
      IP_LIBRARY,
      "src/lab/spec.ts",
      /^src\/doctor\//,
    ],
  },
  {
    command: "doctor",
    entries: [...FAST_PATH, "src/cli/where.ts", "src/cli/doctor.ts"],
    must: ["src/doctor/checks.ts", "recipes/nat_table.ts"],
    never: [
      ...COMMANDER,
      ZOD,
      "src/zod.ts",
      /^recipes\/(?!types\.ts$|by_name\.ts$|nat_table\.ts$|hash\.ts$)/,
      "yaml",
      IP_LIBRARY,
    ],
  },
  {
    command: "plan netns",
    entries: [
      ...FAST_PATH,
      "recipes/netns.ts",
      "src/cli/recipe_options.ts",
      "src/cli/recipe_commands.ts",
      "src/cli/plan.ts",
    ],
    must: ["vendor/zod_mini.js", "src/host/facts.ts"],
    never: [
      ...COMMANDER,
      "zod",
      /^recipes\/(mod|veth_bridge|full_migrate|subnet|cidr_fields)\.ts$/,
      "yaml",
      IP_LIBRARY,
      /^src\/(engine\/(?!faults\.ts$)|doctor)\//,
      "src/lab/spec.ts",
      "src/cli/run.ts",
    ],
  },
  {
    command: "run netns",
    entries: [
      ...FAST_PATH,
      "recipes/netns.ts",
      "src/cli/recipe_options.ts",
      "src/cli/recipe_commands.ts",
      "src/cli/where.ts",
      "src/cli/composition_root.ts",
      "src/cli/run.ts",
    ],
    must: ["vendor/zod_mini.js", "src/journal/store.ts", "src/engine/apply.ts"],
    never: [
      ...COMMANDER,
      "zod",
      /^recipes\/(mod|veth_bridge|full_migrate|subnet|cidr_fields)\.ts$/,
      "yaml",
      IP_LIBRARY,
      "src/lab/spec.ts",
      "src/lab/mod.ts",
      // Only with a confirmation window or --dry-run.
      "src/cli/status.ts",
      "src/cli/confirm.ts",
      "src/cli/plan.ts",
    ],
  },
  {
    command: "run veth-bridge",
    entries: [
      ...FAST_PATH,
      "recipes/veth_bridge.ts",
      "src/cli/recipe_options.ts",
      "src/cli/recipe_commands.ts",
      "src/cli/where.ts",
      "src/cli/composition_root.ts",
      "src/cli/run.ts",
    ],
    must: ["vendor/zod_mini.js", "ip-bigint", "recipes/subnet.ts"],
    never: [
      ...COMMANDER,
      "zod",
      "ipaddr.js",
      /^recipes\/(mod|full_migrate)\.ts$/,
      "yaml",
      "src/lab/spec.ts",
      "src/lab/mod.ts",
    ],
  },
];

for (const { command, entries, must, never } of COMMANDS) {
  Deno.test(`${command} loads only what it runs`, async () => {
    const loaded = await loads(entries);
    // The entries and what must load are listed, so a renamed module cannot leave the check passing on nothing.
    for (const m of [...entries, ...must]) assert.ok(loaded.has(m), `${command} loads ${m}: ${[...loaded].join(" ")}`);
    const barred = [...loaded].filter((m) => never.some((n) => typeof n === "string" ? m === n : n.test(m)));
    assert.deepEqual(barred, [], `${command} loads what it does not run`);
  });
}

Deno.test("the step kinds and the host readers load no zod: a step's schema is built with it only when a journal record is checked", async () => {
  for (
    const [entry, must] of [["src/steps/mod.ts", "src/zod_deferred.ts"], ["src/host/mod.ts", "src/host/ip_json.ts"]]
  ) {
    const loaded = await staticClosure(entry);
    assert.ok(loaded.has(must), `${entry}: ${[...loaded].join(" ")}`);
    assert.deepEqual([...loaded].filter((m) => ZOD.test(m) || m === "src/zod.ts"), [], entry);
  }
});

Deno.test("ipaddr.js is imported by the differential test's reference alone: no command, recipe or bench loads it", async () => {
  const importers: string[] = [];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(new URL(dir, ROOT))) {
      const path = `${dir}${e.name}`;
      if (e.isDirectory) await walk(`${path}/`);
      else if (path.endsWith(".ts") && /["']ipaddr\.js["']/.test(await Deno.readTextFile(new URL(path, ROOT)))) {
        importers.push(path);
      }
    }
  };
  for (const dir of ["src/", "recipes/", "bench/", "tests/"]) await walk(dir);
  if (/["']ipaddr\.js["']/.test(await Deno.readTextFile(new URL("main.ts", ROOT)))) importers.push("main.ts");
  assert.deepEqual(importers.filter((p) => p !== "tests/unit/startup_imports_test.ts"), [
    "tests/unit/subnet_ipaddr_reference.ts",
  ]);
});

import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);

/**
 * The modules a module loads before any of its code runs: its static value imports (not `import type`, not
 * `import("…")`), followed through relative paths; bare specifiers (`zod`, `commander`) are listed as they are.
 */
async function staticClosure(entry: string): Promise<Set<string>> {
  const seen = new Set<string>();
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

Deno.test("run and plan load the recipe they name alone: neither loads every recipe, the lab's spec or ipaddr.js", async () => {
  for (const entry of ["src/cli/run.ts", "src/cli/plan.ts"]) {
    const loaded = await staticClosure(entry);
    assert.ok(loaded.has("src/journal/store.ts") && loaded.has("src/zod.ts"), `${entry}: ${[...loaded].join(" ")}`);
    const heavy = [
      "recipes/mod.ts",
      "recipes/veth_bridge.ts",
      "recipes/full_migrate.ts",
      "src/lab/spec.ts",
      "ipaddr.js",
    ];
    assert.deepEqual(heavy.filter((m) => loaded.has(m)), [], entry);
  }
});

Deno.test("commands that name no recipe (status, undo, confirm, journal) load no recipe, no lab spec and no ipaddr.js", async () => {
  for (const entry of ["src/cli/status.ts", "src/cli/undo.ts", "src/cli/confirm.ts", "src/cli/journal.ts"]) {
    const loaded = await staticClosure(entry);
    assert.ok(loaded.has("src/journal/reader.ts"), `${entry}: ${[...loaded].join(" ")}`);
    const heavy = [...loaded].filter((m) =>
      /^recipes\/(?!types\.ts$)/.test(m) || m === "src/lab/spec.ts" || m === "ipaddr.js"
    );
    assert.deepEqual(heavy, [], entry);
  }
});

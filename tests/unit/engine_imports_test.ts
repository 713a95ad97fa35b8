import assert from "node:assert/strict";

/** Static imports of a module that stay inside its folder (`./x.ts`), type-only ones included. */
async function localImports(dir: URL, file: string): Promise<string[]> {
  const text = await Deno.readTextFile(new URL(file, dir));
  return [...text.matchAll(/^(?:import|export)\b[^;]*?from\s+"\.\/([^"/]+\.ts)";/gms)].map((m) => m[1]);
}

Deno.test("src/engine has no import cycle: apply, revert, undo and confirm share EngineDeps from deps.ts", async () => {
  const dir = new URL("../../src/engine/", import.meta.url);
  const files = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".ts") && n !== "mod.ts");
  assert.ok(files.includes("deps.ts") && files.includes("apply.ts"), files.join(", "));
  const graph = new Map<string, string[]>();
  for (const f of files) graph.set(f, (await localImports(dir, f)).filter((d) => d !== "mod.ts"));
  assert.ok(graph.get("revert.ts")!.includes("deps.ts"), "revert.ts takes EngineDeps from deps.ts");
  const cycles: string[] = [];
  const visit = (f: string, path: string[]) => {
    if (path.includes(f)) return void cycles.push([...path.slice(path.indexOf(f)), f].join(" -> "));
    for (const d of graph.get(f) ?? []) visit(d, [...path, f]);
  };
  for (const f of files) visit(f, []);
  assert.deepEqual(cycles, []);
});

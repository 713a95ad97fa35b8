import assert from "node:assert/strict";
import config from "../../deno.json" with { type: "json" };

const ROOT = new URL("../../", import.meta.url).href;

/** The files `deno task lint` gives to `deno doc --lint`, as patterns (`*` stands for one path segment's part). */
function docLintPatterns(): RegExp[] {
  const args = config.tasks.lint.split("deno doc --lint ")[1].trim().split(/\s+/);
  return args.map((a) => new RegExp(`^${a.replaceAll(".", "\\.").replaceAll("*", "[^/]*")}$`));
}

/**
 * The modules of the program that some module in another folder imports
 * (statically or dynamically), as paths from the repository root.
 */
async function importedAcrossFolders(): Promise<string[]> {
  const info = await new Deno.Command(Deno.execPath(), { args: ["info", "--json", "main.ts"], cwd: new URL(ROOT) })
    .output();
  assert.equal(info.code, 0, new TextDecoder().decode(info.stderr));
  const graph = JSON.parse(new TextDecoder().decode(info.stdout)) as {
    modules: { specifier: string; dependencies?: { code?: { specifier: string }; type?: { specifier: string } }[] }[];
  };
  const local = (s: string) => (s.startsWith(ROOT) && s.endsWith(".ts") ? s.slice(ROOT.length) : undefined);
  const folder = (path: string) => path.split("/").slice(0, -1).join("/");
  const found = new Set<string>();
  for (const m of graph.modules) {
    const from = local(m.specifier);
    if (!from) continue;
    for (const d of m.dependencies ?? []) {
      for (const to of [d.code?.specifier, d.type?.specifier].map((s) => s && local(s))) {
        if (to && folder(to) !== folder(from)) found.add(to);
      }
    }
  }
  return [...found].sort();
}

Deno.test("deno task lint runs deno doc --lint over main.ts and every module imported from outside its folder", async () => {
  const patterns = docLintPatterns();
  assert.ok(patterns.some((p) => p.test("main.ts")), "main.ts");
  const modules = await importedAcrossFolders();
  assert.ok(modules.includes("src/steps/mod.ts") && modules.includes("recipes/subnet.ts"), modules.join(", "));
  assert.deepEqual(modules.filter((m) => !patterns.some((p) => p.test(m))), []);
});

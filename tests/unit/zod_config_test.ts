import assert from "node:assert/strict";
import { z } from "../../src/zod.ts";
import { z as deferred } from "../../src/zod_deferred.ts";

const ROOT = new URL("../../", import.meta.url);

/** Every `.ts` file below a folder, as paths relative to the repository. */
async function* sources(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(new URL(dir, ROOT))) {
    if (e.isDirectory) yield* sources(`${dir}${e.name}/`);
    else if (e.name.endsWith(".ts")) yield `${dir}${e.name}`;
  }
}

Deno.test("zod is configured in one place: src/zod.ts turns its eval-compiled parsers off, and every schema is built with that z", async () => {
  assert.equal(z.config().jitless, true);
  // The step kinds' z (which loads no zod) is that same z once src/zod.ts has loaded.
  assert.equal(deferred, z);
  const direct: string[] = [];
  let viaConfigured = 0;
  for (const dir of ["src/", "recipes/"]) {
    for await (const file of sources(dir)) {
      const text = await Deno.readTextFile(new URL(file, ROOT));
      if (/^import \{[^}]*\bz\b[^}]*\} from "zod";/m.test(text) && file !== "src/zod.ts") direct.push(file);
      if (/^import \{ z \} from "(\.\.?\/)+(src\/)?zod(_deferred)?\.ts";/m.test(text)) viaConfigured++;
    }
  }
  assert.deepEqual(direct, []);
  assert.ok(viaConfigured >= 10, `${viaConfigured} modules build schemas with src/zod.ts's z (or its deferred one)`);
});

Deno.test("the step kinds load without zod, and a step schema built before src/zod.ts loaded says so instead of failing obscurely", async () => {
  // A process of its own: in this one src/zod.ts is loaded (above).
  const script = `
    import { stepIssues } from "./src/steps/mod.ts";
    try { stepIssues({ kind: "netns-add", netns: "web" }); console.log("checked"); }
    catch (e) { console.log(e.message); }
    await import("./src/zod.ts");
    console.log(JSON.stringify(stepIssues({ kind: "netns-add", netns: "web" })));
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "-q", "--config", new URL("deno.json", ROOT).pathname, script],
    cwd: new URL(ROOT).pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.deepEqual(new TextDecoder().decode(out.stdout).trim().split("\n"), [
    "zod is not loaded (z.object): a module that builds a step schema must import src/zod.ts first",
    "[]",
  ]);
});

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
      if (/^import \{[^}]*\bz\b[^}]*\} from "zod(\/mini)?";/m.test(text) && file !== "src/zod.ts") direct.push(file);
      if (/^import \{ z \} from "(\.\.?\/)+(src\/)?zod(_deferred)?\.ts";/m.test(text)) viaConfigured++;
    }
  }
  assert.deepEqual(direct, []);
  assert.ok(viaConfigured >= 10, `${viaConfigured} modules build schemas with src/zod.ts's z (or its deferred one)`);
});

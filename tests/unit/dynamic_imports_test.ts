import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);

/** Every `.ts` file below a folder, as URLs. */
async function* sources(dir: URL): AsyncGenerator<URL> {
  for await (const e of Deno.readDir(dir)) {
    const url = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
    if (e.isDirectory) yield* sources(url);
    else if (e.name.endsWith(".ts")) yield url;
  }
}

Deno.test('every lazily imported module (import("./x.ts")) exists: deno check does not resolve them', async () => {
  const missing: string[] = [];
  let seen = 0;
  for (const dir of ["src/", "recipes/"]) {
    for await (const file of sources(new URL(dir, ROOT))) {
      const text = await Deno.readTextFile(file);
      for (const m of text.matchAll(/\bimport\(\s*"(\.{1,2}\/[^"]+)"\s*\)/g)) {
        seen++;
        const target = new URL(m[1], file);
        try {
          await Deno.stat(target);
        } catch {
          missing.push(`${file.href.slice(ROOT.href.length)} -> ${m[1]}`);
        }
      }
    }
  }
  assert.ok(seen >= 5, `found ${seen} lazy imports`);
  assert.deepEqual(missing, []);
});

/**
 * `vendor/zod_mini.js` is npm's `zod/mini` at the version `deno.json` pins
 * (`vendor/build_zod_mini.ts`): the same version; a `z` of the names
 * `vendor/zod_api.ts` lists, each of the same kind and arity as the npm
 * package's, with English as its one locale; and every `z.NAME` nsrecipe's
 * code (or a test of it) calls on the bundle's `z` is one of them.
 * @module
 */
import assert from "node:assert/strict";
import { relative } from "node:path";
// @ts-types="zod/mini"
import * as bundle from "../../vendor/zod_mini.js";
import { z as npm } from "zod/mini";
import { z } from "../../src/zod.ts";
import { ZOD_API, ZOD_LOCALE } from "../../vendor/zod_api.ts";

const bundled = bundle.z;
/** zod's `version` (`zod/v4/core`'s), which the bundle exports beside `z`; the package's types (`@ts-types`) do not say so. */
const bundledVersion = (bundle as unknown as { version: { major: number; minor: number; patch: number } }).version;
const REBUILD = "vendor/zod_mini.js is not what deno.json and vendor/zod_api.ts ask for: run deno task vendor-zod";
const root = new URL("../../", import.meta.url);

Deno.test("vendor/zod_mini.js is the zod deno.json pins, the part vendor/zod_api.ts lists; src/zod.ts hands it out", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
  const pinned = /^npm:zod@(\d+)\.(\d+)\.(\d+)$/.exec(config.imports.zod);
  assert.ok(pinned, `deno.json's "zod" import must pin one version, npm:zod@X.Y.Z: ${config.imports.zod}`);
  const [major, minor, patch] = pinned.slice(1).map(Number);
  assert.deepEqual({ ...bundledVersion }, { major, minor, patch }, REBUILD);
  assert.deepEqual({ ...npm.core.version }, { major, minor, patch });
  const header = (await Deno.readTextFile(new URL("vendor/zod_mini.js", root))).split("\n")[0];
  assert.equal(header.split(" ")[2], `${major}.${minor}.${patch}`, `${REBUILD} (its header: ${header})`);

  assert.deepEqual([...ZOD_API], [...ZOD_API].sort(), "vendor/zod_api.ts lists the names sorted");
  assert.deepEqual(Object.keys(bundled).sort(), [...ZOD_API, "locales"].sort(), REBUILD);
  const shape = (ns: object, keys: readonly string[]) =>
    Object.fromEntries(keys.map((k) => {
      const v = (ns as Record<string, unknown>)[k];
      return [k, typeof v === "function" ? `function/${v.length}` : typeof v];
    }));
  assert.deepEqual(shape(bundled, ZOD_API), shape(npm, ZOD_API), "each name is the package's, of the same kind");
  assert.deepEqual(Object.keys(bundled.locales), [ZOD_LOCALE]);
  assert.equal(typeof bundled.locales.en, "function");
  assert.equal(z, bundled);
});

/**
 * Every `z.NAME` in the code lines of a TypeScript file whose `z` is the
 * bundle's (it imports `z` from `src/zod.ts` or `src/zod_deferred.ts`), as
 * `FILE: NAME`; comment lines are left out.
 */
async function bundleUses(): Promise<string[]> {
  const uses = new Set<string>();
  const walk = async (dir: URL): Promise<void> => {
    for await (const e of Deno.readDir(dir)) {
      const url = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
      if (e.isDirectory) await walk(url);
      else if (e.name.endsWith(".ts")) {
        const text = await Deno.readTextFile(url);
        if (!/import \{ z \} from "[./]*(src\/)?zod(_deferred)?\.ts"/.test(text)) continue;
        for (const line of text.split("\n")) {
          if (/^\s*(\*|\/\/|\/\*)/.test(line)) continue;
          for (const m of line.matchAll(/\bz\.([A-Za-z_$][\w$]*)/g)) {
            uses.add(`${relative(root.pathname, url.pathname)}: ${m[1]}`);
          }
        }
      }
    }
  };
  for (const dir of ["src/", "recipes/", "tests/", "bench/"]) await walk(new URL(dir, root));
  return [...uses].sort();
}

Deno.test("every z.NAME called on the bundle's z is in vendor/zod_api.ts (a type-check cannot tell: the types are the package's)", async () => {
  const uses = await bundleUses();
  assert.ok(uses.includes("recipes/veth_bridge.ts: object"), "the scan reads the recipes");
  assert.ok(uses.some((u) => u.startsWith("src/steps/") && u.endsWith(": object")), "the scan reads the step kinds");
  // A name the npm package's `z` has at run time and the bundle's lacks would throw when called (a type such as
  // `z.output`, which the package has not at run time, is not looked up).
  const missing = uses.filter((u) => {
    const name = u.split(": ")[1];
    return name in npm && !(name in bundled);
  });
  assert.deepEqual(missing, [], `add these to vendor/zod_api.ts, then run deno task vendor-zod`);
});

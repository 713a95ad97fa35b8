/**
 * `vendor/zod_mini.js` is npm's `zod/mini` at the version `deno.json` pins
 * (`vendor/build_zod_mini.ts`): the same version, and the same exports, each
 * of the same kind, as the npm package's `z`.
 * @module
 */
import assert from "node:assert/strict";
// @ts-types="zod/mini"
import { z as bundled } from "../../vendor/zod_mini.js";
import { z as npm } from "zod/mini";
import { z } from "../../src/zod.ts";

Deno.test("vendor/zod_mini.js is the zod deno.json pins, with the npm package's exports; src/zod.ts hands out the bundle", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  const pinned = /^npm:zod@(\d+)\.(\d+)\.(\d+)$/.exec(config.imports.zod);
  assert.ok(pinned, `deno.json's "zod" import must pin one version, npm:zod@X.Y.Z: ${config.imports.zod}`);
  const [major, minor, patch] = pinned.slice(1).map(Number);
  const rebuild = "vendor/zod_mini.js is not the zod deno.json pins: run deno task vendor-zod";
  assert.deepEqual({ ...bundled.core.version }, { major, minor, patch }, rebuild);
  assert.deepEqual({ ...npm.core.version }, { major, minor, patch });
  const kinds = (ns: object) => Object.fromEntries(Object.keys(ns).sort().map((k) => [k, typeof (ns as any)[k]]));
  assert.deepEqual(kinds(bundled), kinds(npm), rebuild);
  assert.ok(Object.keys(bundled).length > 200, "the whole namespace");
  assert.equal(z, bundled);
  const header = (await Deno.readTextFile(new URL("../../vendor/zod_mini.js", import.meta.url))).split("\n")[0];
  assert.equal(header.split(" ")[2], `${major}.${minor}.${patch}`, `${rebuild} (its header: ${header})`);
});

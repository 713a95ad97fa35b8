import assert from "node:assert/strict";
import { EXIT, EXIT_MEANINGS } from "../../src/errors.ts";

Deno.test("README's exit code table says what EXIT_MEANINGS says (which the manual page prints), code for code", async () => {
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  const rows = [...readme.matchAll(/^\| (\d) +\| (.+?) *\|$/gm)].map((m) => [Number(m[1]), m[2]] as const);
  assert.deepEqual(Object.fromEntries(rows), EXIT_MEANINGS);
  assert.deepEqual(Object.keys(EXIT_MEANINGS).map(Number), Object.values(EXIT).toSorted());
});

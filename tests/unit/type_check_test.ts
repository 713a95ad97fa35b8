/**
 * The type-check of the whole repository, as one test of the suite: `deno task test` runs `deno test --no-check`,
 * and this test runs `deno task check` (every file `deno test` would check, and `bench/` and the vendor build
 * script besides). Done before the first test, as `deno test` does it, the check of a fresh clone (nothing in
 * Deno's check cache for its paths) kept one core busy and the other mostly idle for about 8 s of a 2-core machine;
 * as a test it runs beside the others. A type error fails the suite as before, with the checker's own message.
 * @module
 */
import assert from "node:assert/strict";

Deno.test("deno task check passes: the sources, tests, bench and vendor build script type-check", async () => {
  const root = new URL("../../", import.meta.url);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", "check"],
    cwd: root.pathname,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  // The checker's findings, without its "Check FILE" line for each of the some 500 files.
  const findings = (b: Uint8Array) =>
    new TextDecoder().decode(b).split("\n").filter((l) => !/^Check /.test(l)).join("\n").trim();
  assert.equal(out.code, 0, `deno task check failed:\n${findings(out.stdout)}\n${findings(out.stderr)}`);
});

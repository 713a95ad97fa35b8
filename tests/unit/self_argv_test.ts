import assert from "node:assert/strict";
import { selfArgv, V8_FLAGS } from "../../src/lab/self.ts";

const tasks: Record<string, string> =
  JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url))).tasks;

Deno.test("nsrecipe started again from source runs with the V8 options, the permission set and the config of its tasks", () => {
  const argv = selfArgv();
  assert.deepEqual(argv.slice(1, 6), ["run", "-q", "-P", "--no-prompt", "--v8-flags=--min-semi-space-size=16"]);
  assert.equal(V8_FLAGS, "--min-semi-space-size=16");
  assert.equal(argv.at(-2), new URL("../../deno.json", import.meta.url).pathname);
  assert.equal(argv.at(-1), new URL("../../main.ts", import.meta.url).pathname);
});

Deno.test("every deno.json task that runs or compiles main.ts passes the same V8 options as selfArgv", () => {
  const withMain = Object.entries(tasks).filter(([, cmd]) => /\bdeno (run|compile) .* main\.ts\b/.test(cmd));
  assert.deepEqual(withMain.map(([name]) => name).sort(), ["compile", "lab", "man", "nsrecipe"]);
  for (const [name, cmd] of withMain) {
    assert.ok(cmd.includes(` --v8-flags=${V8_FLAGS} `), `task ${name}: ${cmd}`);
    assert.ok(cmd.indexOf("--v8-flags") < cmd.indexOf(" main.ts"), `task ${name} passes it to Deno, not to nsrecipe`);
  }
});

import assert from "node:assert/strict";
import { CommandError, EXIT } from "../../src/errors.ts";
import { realRunner } from "../../src/exec/mod.ts";

Deno.test("realRunner passes each argument as one argv element, never through a shell: 'a;touch FILE' runs nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nsrecipe-argv-" });
  try {
    const file = `${dir}/x`;
    const hostile = [
      `a;touch ${file}`,
      `$(touch ${file})`,
      `\`touch ${file}\``,
      `a && touch ${file}`,
      `a\ntouch ${file}`,
    ];
    for (const arg of hostile) {
      const r = await realRunner()(["printf", "%s", arg]);
      assert.equal(r.stdout, arg, "the program received the string unchanged");
    }
    assert.equal(await Deno.stat(file).then(() => true, () => false), false, `${file} never appeared`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("realRunner: a program that is not installed is a CommandError with code -1, exit code precondition, and an install hint", async () => {
  const e = await realRunner()(["nsrecipe-no-such-program"]).then(() => undefined, (e) => e);
  assert.ok(e instanceof CommandError);
  assert.equal(e.code, -1);
  assert.equal(e.exitCode, EXIT.precondition);
  assert.match(e.message, /could not be started: 'nsrecipe-no-such-program' was not found in PATH/);
  assert.match(e.hint, /fix PATH/);
});

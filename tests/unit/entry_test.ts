import assert from "node:assert/strict";
import config from "../../deno.json" with { type: "json" };
import { VERSION } from "../../src/cli/mod.ts";

Deno.test("VERSION is deno.json's version, and `nsrecipe --version`, `-V` and `--no-color -V` print it", async () => {
  assert.equal(VERSION, config.version);
  // --version and -V alone are answered by entry.ts; after a global option, by commander: the same line.
  for (const args of [["--version"], ["-V"], ["--no-color", "-V"]]) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-q", "-P", "--no-prompt", new URL("../../main.ts", import.meta.url).pathname, ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, args.join(" "));
    assert.equal(new TextDecoder().decode(out.stdout), `${config.version}\n`, args.join(" "));
    assert.equal(new TextDecoder().decode(out.stderr), "", args.join(" "));
  }
});

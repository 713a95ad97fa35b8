import assert from "node:assert/strict";
import config from "../../deno.json" with { type: "json" };
import { VERSION } from "../../src/cli/mod.ts";

Deno.test("VERSION is deno.json's version, and `nsrecipe --version` prints it", async () => {
  assert.equal(VERSION, config.version);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-q", "-P", "--no-prompt", new URL("../../main.ts", import.meta.url).pathname, "--version"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0);
  assert.equal(new TextDecoder().decode(out.stdout), `${config.version}\n`);
});

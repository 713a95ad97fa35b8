import assert from "node:assert/strict";
import { KNOWN_PROGRAMS } from "../../src/cli/preflight.ts";
import { FAULT_ENV } from "../../src/engine/mod.ts";
import { STATE_DIR_ROOTS } from "../../src/journal/mod.ts";

const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
const perms = config.permissions.default;

Deno.test("the state directories nsrecipe accepts are exactly those the permission set may write", () => {
  assert.deepEqual([...STATE_DIR_ROOTS].sort(), [...perms.write].sort());
});

Deno.test("the programs the preflight knows are exactly those the permission set may run", () => {
  assert.deepEqual([...KNOWN_PROGRAMS].sort(), [...perms.run].sort());
});

Deno.test("the permission set grants no net or ffi, reads the fault variable, and lets the YAML parser's debug variables read as unset", () => {
  assert.equal(perms.net, undefined);
  assert.equal(perms.ffi, undefined);
  assert.ok(perms.env.allow.includes(FAULT_ENV));
  assert.deepEqual([...perms.env.ignore].sort(), ["LOG_STREAM", "LOG_TOKENS"]);
});

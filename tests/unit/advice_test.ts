import assert from "node:assert/strict";
import { adviseWithStateDir } from "../../src/cli/advice.ts";

Deno.test("advice names --state-dir when it is not the default, for every stateful command it advises", () => {
  const dir = "/run/nsrecipe/alt";
  assert.equal(
    adviseWithStateDir("Applied run x (web). Undo with: nsrecipe undo web", dir),
    "Applied run x (web). Undo with: nsrecipe --state-dir /run/nsrecipe/alt undo web",
  );
  assert.equal(
    adviseWithStateDir("'nsrecipe confirm web' keeps it; see 'nsrecipe status'", dir),
    "'nsrecipe --state-dir /run/nsrecipe/alt confirm web' keeps it; see 'nsrecipe --state-dir /run/nsrecipe/alt status'",
  );
  assert.equal(
    adviseWithStateDir("Undo with: nsrecipe undo web", "/run/nsrecipe/my dir"),
    "Undo with: nsrecipe --state-dir '/run/nsrecipe/my dir' undo web",
  );
  assert.equal(adviseWithStateDir("Undo with: nsrecipe undo web", "/run/nsrecipe"), "Undo with: nsrecipe undo web");
  assert.equal(adviseWithStateDir("nsrecipe: see 'nsrecipe list'", dir), "nsrecipe: see 'nsrecipe list'");
});

import assert from "node:assert/strict";
import { SCENARIOS } from "../support/reliability.ts";

Deno.test("every scenario of the reliability loops has its random-kill test file", async () => {
  for (const s of SCENARIOS) {
    const path = new URL(`../e2e/random_kill_${s.recipe.replaceAll("-", "_")}_test.ts`, import.meta.url);
    const text = await Deno.readTextFile(path);
    assert.ok(
      text.includes(`registerRandomKill(${JSON.stringify(s.recipe)});`),
      `${path.pathname} registers ${s.recipe}`,
    );
  }
});

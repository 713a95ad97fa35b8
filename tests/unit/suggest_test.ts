import assert from "node:assert/strict";
import { closest, didYouMean, editDistance } from "../../src/suggest.ts";
import { RECIPES } from "../../recipes/mod.ts";
import { checkRecipeWords } from "../../src/cli/recipe_words.ts";
import { UsageError } from "../../src/errors.ts";

const NAMES = RECIPES.map((r) => r.name);

Deno.test("editDistance counts insertions, deletions, substitutions and neighbour swaps as one edit", () => {
  assert.equal(editDistance("veth-brige", "veth-bridge"), 1);
  assert.equal(editDistance("veth-bridge", "veht-bridge"), 1);
  assert.equal(editDistance("netns", "netsn"), 1);
  assert.equal(editDistance("pid-only", "pidonly"), 1);
  assert.equal(editDistance("abc", "xyz"), 3);
  assert.equal(editDistance("", "abc"), 3);
});

Deno.test("closest: the recipe a typo meant, case-insensitively; nothing for an unrelated word", () => {
  assert.equal(closest("veth-brige", NAMES), "veth-bridge");
  assert.equal(closest("Veth-bridge", NAMES), "veth-bridge");
  assert.equal(closest("full-migate", NAMES), "full-migrate");
  assert.equal(closest("netsn", NAMES), "netns");
  assert.equal(closest("nosuch", NAMES), undefined);
  assert.equal(closest("x", NAMES), undefined);
  assert.equal(didYouMean("pidonly", NAMES), " (did you mean pid-only?)");
  assert.equal(didYouMean("nosuch", NAMES), "");
});

Deno.test("checkRecipeWords: an unknown recipe is named whatever options follow it", () => {
  for (
    const [args, message] of <[string[], string][]> [
      [["run", "veth-brige", "--name", "x"], "Unknown recipe 'veth-brige' (did you mean veth-bridge?)."],
      [
        ["plan", "Veth-bridge", "--name", "x", "--subnet", "10.1.0.0/24"],
        "Unknown recipe 'Veth-bridge' (did you mean veth-bridge?).",
      ],
      [
        ["rehearse", "full-migate", "--address", "198.51.100.50/24"],
        "Unknown recipe 'full-migate' (did you mean full-migrate?).",
      ],
      [["run", "nosuch", "--name", "x", "--", "true"], "Unknown recipe 'nosuch'."],
    ]
  ) {
    assert.throws(() => checkRecipeWords(args, RECIPES), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.equal(e.message.split("\n")[0], message);
      assert.match(e.message, /\nRecipes: pid-only, netns, veth-bridge, full-migrate$/);
      return true;
    });
  }
});

Deno.test("checkRecipeWords: another recipe's option is named as not this recipe's; its own and unknown ones pass", () => {
  assert.throws(
    () => checkRecipeWords(["run", "pid-only", "--name", "foo"], RECIPES),
    (e: unknown) => e instanceof UsageError && e.message === "pid-only takes no --name",
  );
  assert.throws(
    () => checkRecipeWords(["plan", "netns", "--name", "a", "--bridge=br9"], RECIPES),
    (e: unknown) =>
      e instanceof UsageError && e.message === "netns takes no --bridge" && /Its options: --name/.test(e.hint ?? ""),
  );
  checkRecipeWords(["run", "netns", "--name", "a", "--", "ip", "--bridge"], RECIPES);
  checkRecipeWords(["run", "netns", "--nmae", "a"], RECIPES);
  checkRecipeWords(["list"], RECIPES);
  checkRecipeWords(["run", "--help"], RECIPES);
});

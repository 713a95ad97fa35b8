import assert from "node:assert/strict";
import { fullMigrate } from "../../recipes/full_migrate.ts";
import { netns } from "../../recipes/netns.ts";
import { vethBridge } from "../../recipes/veth_bridge.ts";
import { fieldsOf, parseRecipeParams } from "../../src/cli/recipe_options.ts";
import { UsageError } from "../../src/errors.ts";

const noFile = () => {
  throw new Error("no file expected");
};

Deno.test("recipe schema fields become --kebab-case options with their descriptions", () => {
  assert.deepEqual(fieldsOf(netns.params).map((f) => [f.flag, f.boolean]), [["--name", false]]);
  assert.match(fieldsOf(netns.params)[0].description, /default 'nsr0'/);
});

Deno.test("fieldsOf: required only without a default or optional; booleans are flags; camelCase keys become kebab-case", () => {
  const fm = fieldsOf(fullMigrate.params);
  assert.deepEqual(fm.filter((f) => f.required).map((f) => f.flag), ["--address"]);
  assert.deepEqual(fm.filter((f) => f.boolean).map((f) => f.flag), ["--force"]);
  const vb = fieldsOf(vethBridge.params);
  assert.deepEqual(vb.filter((f) => f.required), []);
  assert.deepEqual(vb.filter((f) => f.boolean).map((f) => f.flag), ["--nat", "--force"]);
  assert.deepEqual(vb.find((f) => f.key === "bridgeAddress")?.flag, "--bridge-address");
  assert.equal(vb.find((f) => f.key === "mtu")?.description, "MTU of the veth pair in bytes");
});

Deno.test("parseRecipeParams takes -f YAML values and lets the command line override them", async () => {
  const yaml = () => "name: fromfile\n";
  assert.deepEqual(await parseRecipeParams(netns.params, { file: "x.yaml" }, yaml), { name: "fromfile" });
  assert.deepEqual(await parseRecipeParams(netns.params, { file: "x.yaml", name: "cli" }, yaml), { name: "cli" });
});

Deno.test("parseRecipeParams names the option and the problem for a bad value", async () => {
  await assert.rejects(
    () => parseRecipeParams(netns.params, { name: "a/b" }, noFile),
    (e) =>
      e instanceof UsageError &&
      /^The namespace name 'a\/b' given to --name is not allowed\. Use letters/.test(e.message),
  );
});

Deno.test("parseRecipeParams refuses unknown keys and non-mappings in the YAML file", async () => {
  await assert.rejects(
    () => parseRecipeParams(netns.params, { file: "f" }, () => "nmae: x\n"),
    /unknown options: 'nmae'/,
  );
  await assert.rejects(() => parseRecipeParams(netns.params, { file: "f" }, () => "- a\n"), /must hold a mapping/);
  await assert.rejects(() => parseRecipeParams(netns.params, { file: "f" }, () => "a: [\n"), /not valid YAML/);
});

for (const key of ["__proto__", "constructor", "prototype"]) {
  Deno.test(`parseRecipeParams refuses a '${key}:' key in the YAML file, naming it (issue 12 item 8)`, async () => {
    await assert.rejects(
      () => parseRecipeParams(netns.params, { file: "f.yaml" }, () => `${key}: {name: evil}\nname: web\n`),
      (e) =>
        e instanceof UsageError &&
        e.message === `'f.yaml' has keys that are not option names: '${key}'`,
    );
  });
}

Deno.test("parseRecipeParams refuses keys inherited from Object.prototype as unknown options", async () => {
  for (const key of ["toString", "hasOwnProperty", "valueOf"]) {
    await assert.rejects(
      () => parseRecipeParams(netns.params, { file: "f" }, () => `${key}: x\nname: web\n`),
      (e) =>
        e instanceof UsageError &&
        e.message === `'f' has unknown options: '${key}'`,
    );
  }
});

Deno.test("parseRecipeParams escapes hidden characters of unknown keys and of the file name in its messages", async () => {
  await assert.rejects(
    () => parseRecipeParams(netns.params, { file: "a\u202eb.yaml" }, () => "na\u200bme: x\n"),
    (e) =>
      e instanceof UsageError &&
      e.message === "'a\\u{202e}b.yaml' has unknown options: 'na\\u{200b}me' (did you mean name?)",
  );
});

Deno.test("parseRecipeParams refuses a YAML alias bomb (exponential expansion) as invalid YAML, without expanding it", async () => {
  const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < 12; i++) {
    const prev = String.fromCharCode(96 + i);
    const cur = String.fromCharCode(97 + i);
    levels.push(`${cur}: &${cur} [${Array(10).fill(`*${prev}`).join(", ")}]`);
  }
  await assert.rejects(
    () => parseRecipeParams(netns.params, { file: "bomb.yaml" }, () => levels.join("\n") + "\n"),
    (e) => e instanceof UsageError && /^'bomb\.yaml' is not valid YAML: .*alias/i.test(e.message),
  );
});

import assert from "node:assert/strict";
import { fullMigrate } from "../../recipes/full_migrate.ts";
import { netns } from "../../recipes/netns.ts";
import { vethBridge } from "../../recipes/veth_bridge.ts";
import { Command } from "@commander-js/extra-typings";
import {
  addRecipeOptions,
  fieldsOf,
  givenRecipeOptions,
  optionHelp,
  parseRecipeParams,
  SELF_CONTAINING,
} from "../../src/cli/recipe_options.ts";
import { showLines } from "../../src/cli/show.ts";
import { RECIPES } from "../../recipes/mod.ts";
import { UsageError } from "../../src/errors.ts";
import { planLine } from "../../src/cli/recipe_commands.ts";
import { z } from "../../src/zod.ts";
import { z as npmZod } from "zod/mini";
import { RECIPE_LOADERS } from "../../recipes/by_name.ts";
import type { ParamsSchema } from "../../recipes/types.ts";

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

/** The options as zod's JSON Schema export (`io: "input"`) describes the fields: what `fieldsOf` must agree with. */
function fieldsFromJsonSchema(schema: ParamsSchema) {
  // The npm package's export (the bundle keeps no JSON Schema code), reading the bundle's metadata.
  const json = npmZod.toJSONSchema(schema, { io: "input", unrepresentable: "any", metadata: z.globalRegistry }) as {
    properties?: Record<string, { type?: string; description?: string; placeholder?: string }>;
    required?: string[];
  };
  return Object.keys(schema.shape).map((key) => {
    const field = json.properties?.[key] ?? {};
    return {
      key,
      flag: `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
      boolean: field.type === "boolean",
      description: field.description ?? key,
      required: json.required?.includes(key) ?? false,
      placeholder: field.placeholder ?? "value",
    };
  });
}

Deno.test("fieldsOf reads every recipe's options as zod's JSON Schema export describes them", async () => {
  const names = Object.keys(RECIPE_LOADERS);
  assert.deepEqual(names, ["pid-only", "netns", "veth-bridge", "full-migrate"]);
  for (const name of names) {
    const { params } = await RECIPE_LOADERS[name]();
    assert.deepEqual(fieldsOf(params), fieldsFromJsonSchema(params), name);
  }
});

Deno.test("fieldsOf reads wrapped, piped and undescribed fields as the JSON Schema export does", () => {
  const schema = z.object({
    plain: z.string(),
    innerDescribed: z.optional(z.string().check(z.describe("told inside"), z.meta({ placeholder: "in" }))),
    outerOverInner: z.optional(z.string().check(z.describe("inner"))).check(z.describe("outer")),
    flagDefault: z._default(z.boolean(), false).check(z.describe("a flag with a default")),
    flagInner: z.optional(z.boolean().check(z.describe("a flag told inside"))),
    preprocessed: z.pipe(z.transform((v) => v), z.number()).check(
      z.describe("required though a transform takes undefined"),
    ),
    preprocessedOptional: z.pipe(z.transform((v) => v), z.optional(z.number())),
    caught: z.catch(z.string(), "x"),
    refined: z.optional(z.string()).check(
      z.describe("refined"),
      z.meta({ placeholder: "dev" }),
      z.superRefine(() => {}),
    ),
    nullable: z.nullable(z.boolean()),
  });
  const fields = fieldsOf(schema);
  assert.deepEqual(fields, fieldsFromJsonSchema(schema));
  // The cases the comparison covers, so that it cannot pass on fields read alike by accident.
  assert.deepEqual(fields.filter((f) => f.required).map((f) => f.key), ["plain", "preprocessed", "caught", "nullable"]);
  assert.deepEqual(fields.filter((f) => f.boolean).map((f) => f.key), ["flagDefault", "flagInner"]);
  assert.deepEqual(
    fields.map((f) => [f.description, f.placeholder]).slice(1, 3),
    [["told inside", "in"], ["outer", "value"]],
  );
});

Deno.test("a -f value that contains itself (a YAML alias inside its own anchor) is a usage error naming the key, for text, number and flag options", async () => {
  const cases: [string, string][] = [
    [
      "name: &a [*a]\n",
      `'name' in 'f.yaml' must be text, not ${SELF_CONTAINING}; it takes: name of the network namespace (default 'nsr0')`,
    ],
    [
      "mtu: &m {x: *m}\n",
      `'mtu' in 'f.yaml': ${SELF_CONTAINING} is not a number; it takes: MTU of the veth pair in bytes`,
    ],
    ["nat: &n [1, *n]\n", `'nat' in 'f.yaml' is a flag: true or false, not ${SELF_CONTAINING}`],
  ];
  for (const [yaml, message] of cases) {
    await assert.rejects(
      () => parseRecipeParams(vethBridge.params, { file: "f.yaml" }, () => yaml, "veth-bridge"),
      (e) => e instanceof UsageError && e.message === message,
      yaml,
    );
  }
});

Deno.test("the plan line an interrupted run names: -f first, then the recipe options given in schema order, a boolean as its flag, the window asked for; run's own options and defaults left out", () => {
  const given = givenRecipeOptions(vethBridge.params, {
    nat: true,
    subnet: "10.9.0.0/24",
    name: "demo",
    file: "my web.yaml",
    rm: true,
    shell: "/bin/zsh",
  });
  assert.deepEqual(given, ["-f", "my web.yaml", "--name", "demo", "--subnet", "10.9.0.0/24", "--nat"]);
  assert.equal(
    planLine("veth-bridge", given, 60),
    "nsrecipe plan veth-bridge -f 'my web.yaml' --name demo --subnet 10.9.0.0/24 --nat --confirm 60",
  );
  assert.equal(planLine("netns", givenRecipeOptions(netns.params, {}), 0), "nsrecipe plan netns --no-confirm");
  assert.equal(
    planLine("full-migrate", givenRecipeOptions(fullMigrate.params, { address: "192.0.2.10/24" }), undefined),
    "nsrecipe plan full-migrate --address 192.0.2.10/24",
  );
});

Deno.test("a -f key that is another recipe's option says which recipe takes it, and 'lower case' only when capitals are the mistake", async () => {
  const refusal = async (recipe: string, yaml: string) => {
    const r = await RECIPE_LOADERS[recipe]();
    const e = await parseRecipeParams(r.params, { file: "f.yaml" }, () => yaml, recipe).then(() => undefined, (e) => e);
    assert.ok(e instanceof UsageError, String(e));
    return [e.message, e.hint];
  };
  assert.deepEqual(await refusal("netns", "bridge: br1\nsubnet: 10.1.0.0/24\n"), [
    "'f.yaml' has options netns does not take: 'bridge' (an option of veth-bridge and full-migrate), " +
    "'subnet' (an option of veth-bridge)",
    "netns takes name; 'nsrecipe show netns' lists them.",
  ]);
  assert.deepEqual(await refusal("pid-only", "name: web\n"), [
    "'f.yaml' has options pid-only does not take: 'name' (an option of netns, veth-bridge and full-migrate)",
    "pid-only takes no options; 'nsrecipe show pid-only' lists them.",
  ]);
  // A typo: nothing about case.
  assert.deepEqual(await refusal("netns", "nmae: x\n"), [
    "'f.yaml' has unknown options: 'nmae' (did you mean name?)",
    "'nsrecipe show netns' lists them.",
  ]);
  // Capitals: this recipe's own option, and another recipe's.
  assert.deepEqual(await refusal("veth-bridge", "NAME: w\n"), [
    "'f.yaml' has unknown options: 'NAME' (did you mean name?)",
    "Option names are lower case, as on the command line without '--'; 'nsrecipe show veth-bridge' lists them.",
  ]);
  assert.deepEqual(await refusal("full-migrate", "Name: w\nNAT: true\n"), [
    "'f.yaml' has options full-migrate does not take: 'Name' (did you mean name?), 'NAT' (an option of veth-bridge)",
    "Option names are lower case, as on the command line without '--'; full-migrate takes name, address, address6, " +
    "uplink, bridge, veth, force; 'nsrecipe show full-migrate' lists them.",
  ]);
});

Deno.test("an option that must be given says so where help lists it: '(required)' after its description in show (every recipe's required options and none other) and in --help", () => {
  assert.equal(optionHelp({ description: "the address, CIDR", required: true }), "the address, CIDR (required)");
  assert.equal(optionHelp({ description: "the name (default 'a')", required: false }), "the name (default 'a')");
  const required: string[] = [];
  for (const r of RECIPES) {
    const text = showLines(r, 1000).join("\n"); // wide: one line an option
    for (const f of fieldsOf(r.params)) {
      const line = text.split("\n").find((l) => l.trimStart().startsWith(`${f.flag} `) || l.trim() === f.flag);
      assert.ok(line, `${r.name} ${f.flag} in show`);
      assert.equal(line.endsWith("(required)"), f.required, `${r.name}: ${line}`);
      if (f.required) required.push(`${r.name} ${f.flag}`);
    }
  }
  assert.deepEqual(required, ["full-migrate --address"]);
  const help = addRecipeOptions(new Command("run"), fullMigrate.params).helpInformation({ error: false });
  assert.match(help, /--address <cidr>\s+the namespace's IPv4 address on the LAN, CIDR\s+\(required\)/);
  assert.doesNotMatch(help, /--address6 <cidr>[^\n]*\(required\)/);
});

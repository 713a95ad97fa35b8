import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { CHECKS, findingsOk, runDoctor, runRecipeChecks, unfitHostError } from "../../src/doctor/mod.ts";
import { RECIPES } from "../../recipes/mod.ts";

const recipeByName = (name: string) => RECIPES.find((r) => r.name === name)!;
import { addr4, CHECK_IDS, doctorFacts, labHost, text } from "../support/doctor_facts.ts";

const ALL_IDS = CHECK_IDS;

Deno.test("runDoctor: one finding per check, in order, all ok on a healthy host", () => {
  const findings = runDoctor(doctorFacts());
  assert.deepEqual(findings.map((f) => f.id), ALL_IDS);
  assert.deepEqual(CHECKS.map((c) => c.id), ALL_IDS);
  assert.deepEqual(findings.filter((f) => f.verdict !== "ok"), []);
  assert.ok(findingsOk(findings));
  for (const f of findings) assert.ok(!f.summary.includes("\n"), `${f.id}: the summary is one line`);
});

/** The findings of the checks a recipe declares, for parameters given as on the command line. */
const checksFor = (name: string, params: Record<string, unknown>, facts = doctorFacts()) => {
  const recipe = recipeByName(name);
  return runRecipeChecks(recipe.needs, recipe.targets(recipe.params.parse(params)), facts);
};

Deno.test("runRecipeChecks: each recipe runs the checks it declares, and those of the recipes it builds on", () => {
  const ids = (recipe: string, params: Record<string, unknown>) => checksFor(recipe, params).map((f) => f.id);
  assert.deepEqual(ids("pid-only", {}), ["privileges", "unshare"]);
  assert.deepEqual(ids("netns", { name: "web" }), ["privileges", "ip", "unshare", "netns-name"]);
  assert.deepEqual(ids("veth-bridge", { name: "web" }), [
    "privileges",
    "ip",
    "unshare",
    "kernel-veth",
    "kernel-bridge",
    "forward",
    "netns-name",
    "bridge-name",
  ]);
  assert.deepEqual(ids("full-migrate", { name: "web", address: "198.51.100.50/24" }), ALL_IDS);
});

Deno.test("runRecipeChecks: judges the recipe's --name, --bridge and --force", () => {
  const host = labHost({
    netns: [{ name: "web", state: "live" }],
    addrs: [{
      ifname: "eth0",
      addr_info: [addr4("198.51.100.50", 24, { dynamic: true, valid_life_time: 300, preferred_life_time: 300 })],
    }],
  });
  const facts = doctorFacts({ host: text(host) });
  const fm = checksFor("full-migrate", { name: "web", bridge: "br5", address: "198.51.100.60/24" }, facts);
  assert.deepEqual(fm.filter((f) => f.verdict === "fail").map((f) => f.id), ["dhcp", "netns-name"]);
  const forced = checksFor("full-migrate", { name: "db", force: true, address: "198.51.100.60/24" }, facts);
  assert.ok(findingsOk(forced));
  assert.equal(forced.find((f) => f.id === "dhcp")?.verdict, "warn");
  const eth0 = checksFor("veth-bridge", { name: "db", bridge: "eth0" }, facts);
  assert.deepEqual(eth0.filter((f) => f.verdict === "fail").map((f) => f.id), ["bridge-name"]);
});

Deno.test("runRecipeChecks: a DHCP address or a wireless uplink refuses full-migrate but not veth-bridge, which leaves the uplink alone", () => {
  const dhcp = doctorFacts({
    host: text(labHost({
      addrs: [{
        ifname: "eth0",
        addr_info: [addr4("198.51.100.50", 24, { dynamic: true, valid_life_time: 300, preferred_life_time: 300 })],
      }],
    })),
  });
  const wifi = doctorFacts({ host: text(labHost({ wireless: ["eth0"] })) });
  const failed = (name: string, params: Record<string, unknown>, facts: typeof dhcp) =>
    checksFor(name, params, facts).filter((f) => f.verdict === "fail").map((f) => f.id);
  assert.deepEqual(failed("full-migrate", { name: "m", address: "198.51.100.60/24" }, dhcp), ["dhcp"]);
  assert.deepEqual(failed("full-migrate", { name: "m", address: "198.51.100.60/24" }, wifi), ["wireless"]);
  assert.deepEqual(failed("veth-bridge", { name: "v", nat: true }, dhcp), []);
  assert.deepEqual(failed("veth-bridge", { name: "v", nat: true }, wifi), []);
});

Deno.test("unfitHostError: a PreconditionError naming each failed check with its fix; none when all pass", () => {
  assert.equal(unfitHostError(runDoctor(doctorFacts())), undefined);
  const facts = doctorFacts({ host: text(labHost({ wireless: ["eth0"] })) });
  const e = unfitHostError(checksFor("full-migrate", { name: "m", address: "198.51.100.60/24" }, facts));
  assert.ok(e);
  assert.equal(e.exitCode, EXIT.precondition);
  assert.match(e.message, /^The host is not fit for this run:\n {2}wireless: The uplink 'eth0' is wireless/);
  assert.match(e.hint, /veth-bridge --nat/);
});

import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { CHECKS, findingsOk, preflightError, runDoctor, runPreflight } from "../../src/doctor/mod.ts";
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

Deno.test("runPreflight: each recipe gets the checks it needs, and those of the recipes it builds on", () => {
  const ids = (recipe: string) => runPreflight({ name: recipe }, {}, doctorFacts()).map((f) => f.id);
  assert.deepEqual(ids("pid-only"), ["privileges", "unshare"]);
  assert.deepEqual(ids("netns"), ["privileges", "ip", "unshare", "netns-name"]);
  assert.deepEqual(ids("veth-bridge"), [
    "privileges",
    "ip",
    "unshare",
    "kernel-veth",
    "kernel-bridge",
    "forward",
    "netns-name",
    "bridge-name",
  ]);
  assert.deepEqual(ids("full-migrate"), ALL_IDS);
  assert.deepEqual(ids("some-future-recipe"), ALL_IDS);
});

Deno.test("runPreflight: reads --name, --bridge and --force from the recipe's parameters", () => {
  const host = labHost({
    netns: [{ name: "web", state: "live" }],
    addrs: [{
      ifname: "eth0",
      addr_info: [addr4("198.51.100.50", 24, { dynamic: true, valid_life_time: 300, preferred_life_time: 300 })],
    }],
  });
  const facts = doctorFacts({ host: text(host) });
  const fm = runPreflight({ name: "full-migrate" }, { name: "web", bridge: "br5" }, facts);
  assert.deepEqual(fm.filter((f) => f.verdict === "fail").map((f) => f.id), ["dhcp", "netns-name"]);
  const forced = runPreflight({ name: "full-migrate" }, { name: "db", force: true }, facts);
  assert.ok(findingsOk(forced));
  assert.equal(forced.find((f) => f.id === "dhcp")?.verdict, "warn");
});

Deno.test("preflightError: a PreconditionError naming each failed check with its fix; none when all pass", () => {
  assert.equal(preflightError(runDoctor(doctorFacts())), undefined);
  const facts = doctorFacts({ host: text(labHost({ wireless: ["eth0"] })) });
  const e = preflightError(runPreflight({ name: "full-migrate" }, {}, facts));
  assert.ok(e);
  assert.equal(e.exitCode, EXIT.precondition);
  assert.match(e.message, /^The host is not fit for this run:\n {2}wireless: The uplink 'eth0' is wireless/);
  assert.match(e.hint, /veth-bridge --nat/);
});

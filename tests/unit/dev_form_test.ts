import assert from "node:assert/strict";
import { fullMigrate } from "../../recipes/full_migrate.ts";
import { netns } from "../../recipes/netns.ts";
import { vethBridge } from "../../recipes/veth_bridge.ts";
import { recordingRunner } from "../../src/exec/mod.ts";
import { EMPTY_FACTS, type HostFacts, IpReader } from "../../src/host/mod.ts";
import { kindOf, planCommands, type Step } from "../../src/steps/mod.ts";

/** K02: wherever an `ip link` argv names a device, the word before it is `dev`. */
function assertDevForm(argv: readonly string[]): void {
  if (argv[0] !== "ip") return;
  const i = argv.indexOf("link");
  if (i >= 0 && ["set", "del", "show"].includes(argv[i + 1])) {
    assert.equal(argv[i + 2], "dev", `'dev NAME' form: ${argv.join(" ")}`);
  }
  if (argv.includes("addr") && (argv.includes("add") || argv.includes("del"))) {
    assert.ok(argv.includes("dev"), `'dev NAME' form: ${argv.join(" ")}`);
  }
}

const LAB: HostFacts = {
  ...EMPTY_FACTS,
  links: [...EMPTY_FACTS.links, {
    ifindex: 2,
    ifname: "eth0",
    flags: ["UP"],
    mtu: 1500,
    operstate: "UP",
    address: "02:00:00:00:10:10",
  }],
  addrs: [{ ifname: "eth0", addr_info: [{ family: "inet", local: "198.51.100.10", prefixlen: 24, scope: "global" }] }],
  routes4: [{ dst: "default", gateway: "198.51.100.1", dev: "eth0", protocol: "boot", metric: 100, flags: [] }],
};

const PLANS: [string, Step[]][] = [
  ["netns", netns.plan(netns.params.parse({ name: "help0" }), LAB).steps],
  ["veth-bridge", vethBridge.plan(vethBridge.params.parse({ name: "n", veth: "up0", nat: true }), LAB).steps],
  ["full-migrate", fullMigrate.plan(fullMigrate.params.parse({ name: "n", address: "198.51.100.50/24" }), LAB).steps],
];

for (const [recipe, steps] of PLANS) {
  Deno.test(`K02: every ip command planned by ${recipe}, and every inverse, names devices with 'dev NAME'`, async () => {
    for (const argv of planCommands(steps)) assertDevForm(argv);
    const { run, calls } = recordingRunner((argv) => ({ stdout: argv.includes("-json") ? "[]" : "", code: 0 }));
    const ctx = { run, ip: new IpReader(run), hostNetnsPath: "/proc/1/ns/net" };
    for (const step of steps) await kindOf(step).revert(step, ctx, undefined);
    assert.ok(calls.length >= steps.length);
    for (const c of calls) assertDevForm(c.argv);
  });
}

/**
 * Issue 9 case 9: addresses used on a LAN are probed first (ARP, RFC 5227);
 * a given one that another host holds is refused naming its MAC, a picked one
 * is planned around.
 */
import assert from "node:assert/strict";
import type { Plan } from "../../recipes/mod.ts";
import { fullMigrate } from "../../recipes/full_migrate.ts";
import { carriesLan, vethBridge } from "../../recipes/veth_bridge.ts";
import { MAX_PROBE_ROUNDS, planProbed } from "../../src/cli/lan_probe.ts";
import { PreconditionError } from "../../src/errors.ts";
import type { ExecResult, Runner } from "../../src/exec/mod.ts";
import { arpProbeArgv, EMPTY_FACTS, type HostFacts, type IpLink, replyMac } from "../../src/host/mod.ts";
import { planCommands } from "../../src/steps/mod.ts";

/** A runner where `arping` finds `held` addresses in use (by `mac`) and every other program starts. */
function lan(held: Set<string>, mac = "52:54:00:aa:bb:cc"): { run: Runner; probed: string[] } {
  const probed: string[] = [];
  const run: Runner = (argv) => {
    const result = (code: number, stdout = ""): Promise<ExecResult> =>
      Promise.resolve({ argv, code, stdout, stderr: "", durationMs: 1 });
    if (argv[0] !== "arping" || argv[1] === "--version") return result(0);
    const address = argv.at(-1)!;
    probed.push(address);
    return held.has(address)
      ? result(1, `ARPING ${address} from 0.0.0.0 br0\nUnicast reply from ${address} [${mac.toUpperCase()}]  0.6ms\n`)
      : result(0, `ARPING ${address} from 0.0.0.0 br0\nSent 2 probes (2 broadcast(s))\nReceived 0 response(s)\n`);
  };
  return { run, probed };
}

const port = (ifname: string, kind?: string): IpLink => ({
  ifindex: 20 + ifname.length,
  ifname,
  flags: ["UP"],
  mtu: 1500,
  operstate: "UP",
  address: "52:54:00:12:34:56",
  master: "br0",
  ...(kind ? { linkinfo: { info_kind: kind } } : {}),
});
/** The host after full-migrate: br0 holds the LAN address, the default route and the uplink eth0. */
const lanHost: HostFacts = {
  ...EMPTY_FACTS,
  links: [...EMPTY_FACTS.links, {
    ifindex: 5,
    ifname: "br0",
    flags: ["UP"],
    mtu: 1500,
    operstate: "UP",
    address: "52:54:00:12:34:56",
    linkinfo: { info_kind: "bridge" },
  }, port("eth0")],
  addrs: [{
    ifname: "br0",
    addr_info: [
      { family: "inet", local: "198.51.100.10", prefixlen: 24, scope: "global" },
      { family: "inet6", local: "2001:db8:1::10", prefixlen: 64, scope: "global" },
    ],
  }],
  routes4: [{ dst: "default", gateway: "198.51.100.1", dev: "br0", flags: [] }],
};
const planFor = (opts: Record<string, unknown>) => (facts: HostFacts): Plan =>
  vethBridge.plan(vethBridge.params.parse({ name: "n", bridge: "br0", ...opts }), facts);

Deno.test("case 9: arping -D's reply line gives the holder's MAC, in lower case", () => {
  assert.equal(replyMac("Unicast reply from 198.51.100.20 [EA:C1:C3:D6:1A:20]  0.554ms\n"), "ea:c1:c3:d6:1a:20");
  assert.equal(replyMac("Received 0 response(s)\n"), undefined);
  assert.deepEqual(arpProbeArgv("br0", "198.51.100.2"), [
    "arping",
    "-D",
    "-I",
    "br0",
    "-c",
    "2",
    "-w",
    "3",
    "198.51.100.2",
  ]);
});

Deno.test("case 9: a bridge carries a LAN when it holds a default route or a port that is not a veth", () => {
  const br = lanHost.links[1];
  assert.equal(carriesLan(br, lanHost), true);
  assert.equal(carriesLan(br, { ...lanHost, routes4: [] }), true, "the uplink as a port");
  assert.equal(
    carriesLan(br, { ...lanHost, routes4: [], links: [...lanHost.links.slice(0, 2), port("veth-a", "veth")] }),
    false,
  );
});

Deno.test("case 9: on a LAN bridge the plan probes the namespace address it picked; the gateway is never picked", () => {
  const p = planFor({})(lanHost);
  assert.deepEqual(p.probes, [{ dev: "br0", address: "198.51.100.2" }]);
  assert.match(
    p.notes.join("\n"),
    /Bridge 'br0' carries a LAN: 198\.51\.100\.2 will be probed there first \(ARP, RFC 5227\)/,
  );
});

Deno.test("case 9: a bridge without a LAN is not probed", () => {
  const own: HostFacts = { ...lanHost, routes4: [], links: [...lanHost.links.slice(0, 2), port("veth-x", "veth")] };
  assert.equal(planFor({})(own).probes, undefined);
});

Deno.test("case 9: a picked address held on the LAN is planned around: the next free one is used", async () => {
  const { run, probed } = lan(new Set(["198.51.100.2", "198.51.100.3"]));
  const lines: string[] = [];
  const p = await planProbed(planFor({}), lanHost, run, (l) => lines.push(l));
  assert.deepEqual(probed, ["198.51.100.2", "198.51.100.3", "198.51.100.4"]);
  assert.ok(planCommands(p.steps).some((c) => c.join(" ") === "ip -n n addr add 198.51.100.4/24 dev eth0"));
  assert.deepEqual(lines, [
    "Address 198.51.100.2 is in use on the LAN of 'br0' (MAC 52:54:00:aa:bb:cc); picking another.",
    "Address 198.51.100.3 is in use on the LAN of 'br0' (MAC 52:54:00:aa:bb:cc); picking another.",
  ]);
});

Deno.test("case 9: a given address held on the LAN is refused naming the holder's MAC, before any step", async () => {
  const { run } = lan(new Set(["198.51.100.20"]), "ea:c1:c3:d6:1a:20");
  await assert.rejects(
    () => planProbed(planFor({ address: "198.51.100.20/24" }), lanHost, run, () => {}),
    (e) =>
      e instanceof PreconditionError && e.exitCode === 3 &&
      e.message ===
        "--address 198.51.100.20 is already used on the LAN of 'br0': MAC ea:c1:c3:d6:1a:20 answered an ARP probe for it (RFC 5227); nothing was changed",
  );
});

Deno.test("case 9: a new bridge address on a LAN bridge is probed too, and a given one refused", async () => {
  const p = planFor({ subnet: "10.91.0.0/24" })({ ...lanHost });
  assert.deepEqual(p.probes, [{ dev: "br0", address: "10.91.0.1" }, { dev: "br0", address: "10.91.0.2" }]);
  const { run } = lan(new Set(["10.91.0.1"]));
  await assert.rejects(
    () => planProbed(planFor({ bridgeAddress: "10.91.0.1/24" }), lanHost, run, () => {}),
    (e) =>
      e instanceof PreconditionError && /^--bridge-address 10\.91\.0\.1 is already used on the LAN/.test(e.message),
  );
});

Deno.test(`case 9: after ${MAX_PROBE_ROUNDS} picked addresses in a row are held, the run is refused`, async () => {
  const held = new Set(Array.from({ length: 40 }, (_, i) => `198.51.100.${i + 2}`));
  const { run, probed } = lan(held);
  await assert.rejects(
    () => planProbed(planFor({}), lanHost, run, () => {}),
    (e) =>
      e instanceof PreconditionError &&
      e.message.startsWith(`${MAX_PROBE_ROUNDS} addresses in a row are in use on the LAN`),
  );
  assert.equal(probed.length, MAX_PROBE_ROUNDS);
});

Deno.test("case 9: an IPv6 address on a LAN bridge keeps duplicate address detection (no nodad)", () => {
  const cmds = planCommands(planFor({ address: "2001:db8:1::77/64" })(lanHost).steps).map((c) => c.join(" "));
  assert.ok(cmds.includes("ip -n n addr add 2001:db8:1::77/64 dev eth0"), cmds.join("\n"));
  const own: HostFacts = { ...lanHost, routes4: [], links: [...lanHost.links.slice(0, 2), port("veth-x", "veth")] };
  const ownCmds = planCommands(planFor({ address: "2001:db8:1::77/64" })(own).steps).map((c) => c.join(" "));
  assert.ok(ownCmds.includes("ip -n n addr add 2001:db8:1::77/64 nodad dev eth0"), "off a LAN: usable at once");
});

Deno.test("case 9: full-migrate probes the namespace's --address on the uplink; its IPv6 address keeps DAD", () => {
  const host: HostFacts = {
    ...EMPTY_FACTS,
    links: [...EMPTY_FACTS.links, { ...port("eth0"), master: undefined, address: "02:00:00:00:10:10" }],
    addrs: [{
      ifname: "eth0",
      addr_info: [
        { family: "inet", local: "198.51.100.10", prefixlen: 24, scope: "global" },
        { family: "inet6", local: "2001:db8:1::10", prefixlen: 64, scope: "global" },
      ],
    }],
    routes4: [{ dst: "default", gateway: "198.51.100.1", dev: "eth0", metric: 100, flags: [] }],
    routes6: [{ dst: "default", gateway: "2001:db8:1::1", dev: "eth0", metric: 100, flags: [] }],
  };
  const p = fullMigrate.plan(
    fullMigrate.params.parse({ name: "f", address: "198.51.100.50/24", address6: "2001:db8:1::50/64" }),
    host,
  );
  assert.deepEqual(p.probes, [{ dev: "eth0", address: "198.51.100.50", option: "--address" }]);
  const cmds = planCommands(p.steps).map((c) => c.join(" "));
  assert.ok(cmds.includes("ip -n f addr add 2001:db8:1::50/64 dev eth0"), cmds.join("\n"));
});

Deno.test("case 9: a LAN bridge that is down cannot be probed: the plan says so instead of failing in arping", () => {
  const down: HostFacts = {
    ...lanHost,
    links: lanHost.links.map((l) => (l.ifname === "br0" ? { ...l, flags: ["BROADCAST"] } : l)),
  };
  const p = planFor({})(down);
  assert.equal(p.probes, undefined);
  assert.ok(
    p.notes.includes("Bridge 'br0' carries a LAN but is down: its addresses cannot be probed there before use."),
  );
});

/**
 * `full-migrate`: veth-bridge where the bridge takes over the host's uplink,
 * so the namespace sits on the LAN. The step that cuts admins off over SSH,
 * so: the uplink is checked first (not wireless, not a bridge, not enslaved,
 * no DHCP-managed address unless `--force`), the bridge takes the uplink's
 * MAC and MTU (no stale ARP caches, no lost DHCP lease), every address and
 * route is captured in the journal before it moves, the switch is a short run
 * of adjacent steps, and `run` asks for confirmation (120 s, terminal or not) with a
 * watchdog that reverts when nobody confirms.
 *
 * @module
 */
import { z } from "../src/zod.ts";
import { PreconditionError, UsageError } from "../src/errors.ts";
import {
  bridgeChainsDroppingHost,
  bridgeDropSentence,
  defaultGateway,
  groupsJoinedBySockets,
  type HostFacts,
  type LinkSysctl,
  nftRulesNamingLink,
  refsNamingNewBridge,
  socketsBoundTo,
  uplinkRefSentences,
} from "../src/host/mod.ts";
import { DEFAULT_BRIDGE } from "../src/names.ts";
import type { LinkSysctlSetStep, Step } from "../src/steps/mod.ts";
import { assertNetnsFree, netnsNameField } from "./netns.ts";
import { netnsEnter } from "./enter.ts";
import { checkLanAddress } from "./lan_address.ts";
import { type Cidr, inSubnet, subnetCidr } from "./subnet.ts";
import { GOING_AHEAD, type Plan, type Recipe } from "./types.ts";
import { linkNameField } from "./fields.ts";
import { cidrCheck, cidrField } from "./cidr_fields.ts";
import { setAfterPorts, uplinkSettings } from "./uplink_settings.ts";
import { addressesLeftOut, raRouteNotes, selectUplink, uplinkMigrationSteps } from "./uplink.ts";
import { addrSpec, attachSteps, NETNS_IFNAME, netnsVethSteps, vethNames } from "./attach.ts";
import { vethBridge } from "./veth_bridge.ts";
import { natTable } from "./nat_table.ts";

/** Default confirmation window of full-migrate, in seconds (`--confirm S` / `--no-confirm` override it). */
export const FULL_MIGRATE_CONFIRM_SECONDS = 120;

const params = z.object({
  name: netnsNameField(),
  address: z.string().check(
    z.describe("the namespace's IPv4 address on the LAN, CIDR"),
    z.meta({ placeholder: "cidr" }),
  )
    .check(z.superRefine(
      cidrCheck("--address", "address", 4),
    )),
  address6: cidrField("--address6", "the namespace's IPv6 address on the LAN, CIDR (optional)", "address", 6),
  uplink: linkNameField("--uplink", "the uplink to bridge (default: the device of the default route)"),
  bridge: linkNameField(
    "--bridge",
    `the bridge that takes over the uplink (default '${DEFAULT_BRIDGE}'; must not exist)`,
  ),
  veth: linkNameField("--veth", "host-side veth name, at most 15 bytes (default: derived from --name)"),
  force: z.optional(z.boolean()).check(z.describe(
    "go ahead despite DHCP-managed addresses on the uplink (copied with their lifetimes), firewall rules " +
      "that name the uplink, sockets bound to it (they stop matching and receiving once it is a bridge port), " +
      "rules that name the bridge (they start matching all the host's LAN traffic), multicast groups joined " +
      "on the uplink (their sockets stop receiving), bridge-family chains that would drop the host's own traffic " +
      "once the uplink is a port, and a forward chain that drops bridged traffic (see 'nsrecipe doctor')",
  )),
});

/**
 * Checks the host configuration that names the uplink and that nsrecipe does
 * not move (see `src/host/nft_link_refs.ts`): refused unless forced, else noted.
 * @param facts Host facts.
 * @param uplink The uplink.
 * @param bridge The bridge that takes it over.
 * @param force `--force`.
 * @returns Notes for the plan.
 * @throws {PreconditionError} When such configuration exists and `force` is not set.
 */
function uplinkReferenceNotes(facts: HostFacts, uplink: string, bridge: string, force: boolean): string[] {
  if (facts.nftables === undefined) {
    return [
      `The nftables ruleset could not be read (nft missing or not root): rules naming '${uplink}' were not checked.`,
    ];
  }
  const refs = nftRulesNamingLink(facts.nftables, uplink);
  if (refs.length === 0) return [];
  const what = uplinkRefSentences(uplink, `'${bridge}'`, refs).join(". ");
  // nsrecipe's own: the masquerading table of a veth-bridge --nat run (natTable), whose namespace is live.
  const runs = facts.netns.map((n) => n.name).filter((name) =>
    refs.some((r) => r.startsWith(`nft rule inet ${natTable(name)} `))
  );
  const others = refs.filter((r) => !runs.some((name) => r.startsWith(`nft rule inet ${natTable(name)} `)));
  const ownText = runs.length === 0 ? "" : `${runs.length === others.length + runs.length ? "They are" : "Some are"} ` +
    `the --nat masquerading of nsrecipe run${runs.length > 1 ? "s" : ""} ${runs.map((n) => `'${n}'`).join(", ")}, ` +
    `which would stop: undo ${runs.length > 1 ? "them" : "it"} first (${
      runs.map((n) => `nsrecipe undo ${n}`).join("; ")
    }) and run ${runs.length > 1 ? "them" : "it"} again after this one. `;
  if (!force) {
    throw new PreconditionError(
      what,
      ownText +
        (others.length > 0
          ? `Make ${
            runs.length > 0 ? "the others" : "them"
          } match '${bridge}' as well (e.g. iifname { "${uplink}", "${bridge}" }), then run again; or pass --force to go ahead.`
          : "Or pass --force to go ahead."),
      { waivedByForce: true },
    );
  }
  return [`${what}. ${GOING_AHEAD}`];
}

/**
 * Checks the sockets bound to the uplink by name (`SO_BINDTODEVICE`: see
 * `src/host/bound_sockets.ts`): they stop receiving once the uplink is a
 * bridge port, since the host's packets then arrive on the bridge. Refused
 * unless forced, else noted.
 * @param facts Host facts.
 * @param uplink The uplink.
 * @param bridge The bridge that takes it over.
 * @param force `--force`.
 * @returns Notes for the plan.
 * @throws {PreconditionError} When such sockets exist and `force` is not set.
 */
function boundSocketNotes(facts: HostFacts, uplink: string, bridge: string, force: boolean): string[] {
  if (facts.boundSockets === undefined) {
    return [`The sockets could not be listed ('ss' missing): services bound to '${uplink}' were not checked.`];
  }
  const bound = socketsBoundTo(facts.boundSockets, uplink);
  const unseen = rawUnseenNotes(facts, uplink, bridge);
  if (bound.length === 0) return unseen;
  const what = `Services are bound to '${uplink}' by name (SO_BINDTODEVICE), and stop receiving once it is a port ` +
    `of '${bridge}' (the host's packets then arrive on '${bridge}'): ${bound.join("; ")}`;
  if (!force) {
    throw new PreconditionError(
      what,
      `Configure them to bind to '${bridge}' (e.g. dnsmasq 'interface=${bridge}', keepalived 'interface ${bridge}') ` +
        "once it exists, or stop them first; or pass --force to go ahead.",
      { waivedByForce: true },
    );
  }
  return [`${what}. ${GOING_AHEAD}`, ...unseen];
}

/**
 * Checks the nftables and policy rules that already name the bridge this run
 * creates (`refsNamingNewBridge`): a template left from an earlier setup,
 * accepted by nft and `ip rule` for an absent link. Once the uplink is its
 * port, every host packet on the LAN enters and leaves on the bridge, so such
 * a rule (`iifname "br0" drop`, `ip rule iif br0 prohibit`) starts matching
 * all of it. Refused unless forced, else noted.
 * @param facts Host facts.
 * @param uplink The uplink.
 * @param bridge The bridge this run creates.
 * @param force `--force`.
 * @returns Notes for the plan.
 * @throws {PreconditionError} When such rules exist and `force` is not set.
 */
function bridgeReferenceNotes(facts: HostFacts, uplink: string, bridge: string, force: boolean): string[] {
  const refs = refsNamingNewBridge(facts, bridge);
  if (refs.length === 0) return [];
  const what = `Rules name '${bridge}', the bridge this run creates, and start matching all the host's traffic ` +
    `on the LAN once '${uplink}' is its port (it then enters and leaves on '${bridge}'): ${refs.join("; ")}`;
  if (!force) {
    throw new PreconditionError(
      what,
      `Remove them (nft delete rule FAMILY TABLE CHAIN handle N; ip rule del pref N) or choose another --bridge, ` +
        "then run again; or pass --force to go ahead.",
    );
  }
  return [`${what}. Going ahead (--force).`];
}

/**
 * Checks the `bridge`-family chains that would drop the host's own LAN
 * traffic once the uplink is a port (`bridgeChainsDroppingHost`): harmless
 * now, they cut the host off its LAN after the switch. Refused unless forced,
 * else noted. (An unread ruleset is said once, by `uplinkReferenceNotes`.)
 * @param facts Host facts.
 * @param uplink The uplink.
 * @param bridge The bridge this run creates.
 * @param force `--force`.
 * @returns Notes for the plan.
 * @throws {PreconditionError} When such chains exist and `force` is not set.
 */
function bridgeFilterNotes(facts: HostFacts, uplink: string, bridge: string, force: boolean): string[] {
  const what = bridgeDropSentence(
    uplink,
    `'${bridge}'`,
    bridgeChainsDroppingHost(facts.nftables ?? [], uplink, bridge),
  );
  if (what === undefined) return [];
  if (!force) {
    throw new PreconditionError(
      what,
      `Let the host's traffic through them first (nft insert rule bridge TABLE CHAIN iifname "${uplink}" accept; ` +
        `oifname "${uplink}" in an output or postrouting chain), or scope them to their own bridge's ports; or ` +
        "pass --force to go ahead.",
      { waivedByForce: true },
    );
  }
  return [`${what}. ${GOING_AHEAD}`];
}

/**
 * Checks the multicast groups joined on the uplink by sockets
 * (`src/host/multicast.ts`): once it is a bridge port, the host's multicast
 * arrives on the bridge, which never joined them, so their services stop
 * receiving. A membership belongs to its socket: nothing nsrecipe can move.
 * Refused unless forced, else noted.
 * @param facts Host facts (`multicastGroups`).
 * @param uplink The uplink.
 * @param bridge The bridge that takes it over.
 * @param force `--force`.
 * @returns Notes for the plan.
 * @throws {PreconditionError} When such groups exist and `force` is not set.
 */
function multicastNotes(facts: HostFacts, uplink: string, bridge: string, force: boolean): string[] {
  if (facts.multicastGroups === undefined) {
    return [`The multicast groups could not be read (/proc/net/igmp): groups joined on '${uplink}' were not checked.`];
  }
  const kind = facts.links.find((l) => l.ifname === uplink)?.linkinfo?.info_kind;
  const groups = groupsJoinedBySockets(facts.multicastGroups, uplink, kind);
  if (groups.length === 0) return [];
  const what = `Multicast groups are joined on '${uplink}' (ip maddr show dev ${uplink}), and their sockets stop ` +
    `receiving once it is a port of '${bridge}' (the host's multicast then arrives on '${bridge}'): ${
      groups.join(", ")
    }`;
  if (!force) {
    throw new PreconditionError(
      what,
      `Which process joined is not shown by the kernel ('ss -lnup' lists the UDP listeners). Make those services ` +
        `join on '${bridge}' once it exists (or restart them then), or stop them first; or pass --force to go ahead.`,
    );
  }
  return [`${what}. Going ahead (--force).`];
}

/**
 * Says which raw sockets could not be checked for a binding to the uplink:
 * the kernel lacks raw_diag, so `ss` lists raw sockets without their link
 * (`src/host/bound_sockets.ts`). A note, not a refusal: they may well be
 * bound elsewhere or not at all.
 * @param facts Host facts (`rawSocketsUnseen`).
 * @param uplink The uplink.
 * @param bridge The bridge that takes it over.
 * @returns One note, or none.
 */
function rawUnseenNotes(facts: HostFacts, uplink: string, bridge: string): string[] {
  if (facts.rawSocketsUnseen.length === 0) return [];
  return [
    `Not checked whether raw sockets are bound to '${uplink}': this kernel lacks raw_diag, so 'ss' cannot show ` +
    `their link: ${
      facts.rawSocketsUnseen.join("; ")
    }. One bound to '${uplink}' (keepalived's VRRP, 'ping -I ${uplink}') ` +
    `stops receiving once it is a port of '${bridge}'; check them by hand.`,
  ];
}

/**
 * Whether a step puts on the bridge something the uplink carried (or the
 * bridge itself, with the uplink's MAC and MTU): an address with its flags, a
 * route with its attributes, a neighbour entry, a policy rule naming it, a
 * per-interface setting. Once the whole switch is done these are verified
 * again ({@link Plan.recheck}): enslaving the uplink, its addresses leaving
 * and the bridge's link events come after most of them.
 * @param s A step of the plan.
 * @param bridge The bridge.
 * @returns `true` for such a step.
 */
function carriedToBridge(s: Step, bridge: string): boolean {
  switch (s.kind) {
    case "bridge-add":
      return s.dev === bridge;
    case "addr-add":
    case "neigh-add":
    case "link-sysctl-set":
      return s.dev === bridge && !("netns" in s && s.netns);
    case "route-add":
      return s.route.dev === bridge && !s.netns;
    case "rule-add":
      return s.rule.iif === bridge || s.rule.oif === bridge;
    default:
      return false;
  }
}

/**
 * The step writing one of the uplink's settings on the bridge.
 * @param bridge The bridge.
 * @param x The uplink's setting.
 * @returns A `link-sysctl-set` step.
 */
function bridgeSetting(bridge: string, x: LinkSysctl): LinkSysctlSetStep {
  return { kind: "link-sysctl-set", tree: x.tree, dev: bridge, name: x.name, value: x.value };
}

/**
 * Whether the namespace must add its default route `onlink`: the host's
 * gateway lies outside the namespace's prefix (a gateway the host reaches
 * through a host route such as `203.0.113.1 dev eth0 scope link`, as hosted
 * servers are set up, or an IPv6 /128 route to a gateway outside the /64).
 * The kernel accepts `via GW` only when GW is reachable through a route
 * without gateway on the device ("Nexthop has invalid gateway", fib_check_nh()
 * in net/ipv4/fib_semantics.c, ip6_route_check_nh() in net/ipv6/route.c);
 * `onlink` declares GW directly reachable on the link (ip-route(8)), which it
 * is: the host's own default route through the uplink reaches it there, and
 * the namespace sits on the same LAN. A link-local IPv6 gateway (an RA's
 * `fe80::…`) is always on the link.
 * @param gateway The host's default gateway through the uplink, e.g. `203.0.113.1`.
 * @param address The namespace's address and prefix on the LAN.
 * @returns `true` when the default route needs `onlink`.
 */
export function gatewayOnLink(gateway: string, address: Cidr): boolean {
  const linkLocal = address.subnet.family === 6 && inSubnet(gateway, "fe80::/10");
  return !linkLocal && !inSubnet(gateway, subnetCidr(address.subnet));
}

/**
 * `full-migrate`: netns and veth as veth-bridge; a bridge with the uplink's
 * MAC and MTU and STP off; the uplink's addresses and routes moved onto it
 * (see `uplinkMigrationSteps`); the namespace on the LAN with the host's
 * gateway as its default gateway (`onlink` when outside its prefix, see
 * {@link gatewayOnLink}).
 */
export const fullMigrate: Recipe<typeof params> = {
  name: "full-migrate",
  summary: "veth-bridge where the bridge takes over the uplink: the namespace sits on the LAN",
  description: "Creates the bridge with the uplink's MAC, MTU and per-interface settings (arp_ignore, rp_filter, " +
    "accept_ra, ...; STP off), copies every IPv4 address (link-local 169.254/16 included) and global IPv6 address of the uplink onto it " +
    "with all its flags, and its " +
    "static neighbour entries (permanent, noarp; extern_learn kept) and the policy rules naming it, enslaves the uplink, moves every route it " +
    "carries (every table, in dependency order; metric, proto, scope, src kept) to the bridge, then removes " +
    "the addresses from the uplink, and attaches namespace NAME with --address on the LAN and the host's " +
    "gateway. Refuses a wireless, bridged or enslaved uplink, and (unless --force) DHCP-managed addresses and " +
    "firewall rules that match the uplink by name. It asks for confirmation within 120 s (type yes on a " +
    "terminal, or 'nsrecipe confirm' from any session) and a watchdog undoes the change otherwise " +
    "(--confirm S / --no-confirm). Try it first with 'nsrecipe rehearse " +
    "full-migrate'.",
  params,
  example: ["--name", "lan", "--address", "198.51.100.50/24"],
  confirmSeconds: FULL_MIGRATE_CONFIRM_SECONDS,
  needs: {
    checks: [...vethBridge.needs.checks, "uplink", "wireless", "dhcp", "network-manager", "uplink-refs"],
    movesUplink: true,
    wires: true,
  },
  targets: (p) => ({ netns: p.name, bridge: p.bridge, uplink: p.uplink, force: p.force }),
  plan(p, facts): Plan {
    assertNetnsFree(p.name, facts);
    const uplink = selectUplink(facts, p.uplink);
    const bridge = p.bridge ?? DEFAULT_BRIDGE;
    if (facts.links.some((l) => l.ifname === bridge)) {
      throw new PreconditionError(
        `A link named '${bridge}' already exists; full-migrate creates the bridge that takes over '${uplink.ifname}'`,
        "Choose another --bridge, or use 'nsrecipe run veth-bridge' to attach to the existing bridge.",
      );
    }
    const veth = vethNames(p.name, p.veth, facts, [
      { name: bridge, role: p.bridge ? "--bridge" : "the default bridge" },
      { name: uplink.ifname, role: p.uplink ? "--uplink" : "the uplink" },
    ]);
    const gateway = defaultGateway(facts, uplink.ifname, 4);
    const address = checkLanAddress(p.address, "--address", 4, facts, uplink.ifname, gateway);
    const gateway6 = defaultGateway(facts, uplink.ifname, 6);
    const address6 = p.address6
      ? checkLanAddress(p.address6, "--address6", 6, facts, uplink.ifname, gateway6)
      : undefined;
    const local = address.local;
    if (!gateway) {
      throw new PreconditionError(
        `The uplink '${uplink.ifname}' has no IPv4 default route, so the namespace would have no gateway`,
      );
    }
    if (address6 && !gateway6) {
      throw new PreconditionError(
        `The uplink '${uplink.ifname}' has no IPv6 default route, so the namespace's --address6 would have no IPv6 ` +
          "gateway",
        "Leave out --address6 (the namespace then has IPv4 only), or give the uplink an IPv6 default route first.",
      );
    }
    const gateways = [...facts.routes4, ...facts.routes6].flatMap((r) => (r.gateway ? [r.gateway] : []));
    for (const a of [local, address6?.local]) {
      if (a && gateways.includes(a)) {
        throw new UsageError(`--address ${a} is a gateway of this host's routes`, "Choose a free address on the LAN.");
      }
    }
    const notes = [
      ...uplinkReferenceNotes(facts, uplink.ifname, bridge, p.force === true),
      ...boundSocketNotes(facts, uplink.ifname, bridge, p.force === true),
      ...bridgeReferenceNotes(facts, uplink.ifname, bridge, p.force === true),
      ...bridgeFilterNotes(facts, uplink.ifname, bridge, p.force === true),
      ...multicastNotes(facts, uplink.ifname, bridge, p.force === true),
      ...addressesLeftOut(facts, uplink.ifname, bridge),
      ...raRouteNotes(facts, uplink.ifname, bridge),
    ];
    const settings = uplinkSettings(facts, uplink);
    for (const n of settings.notCarried) notes.push(`Not carried to '${bridge}': ${n.setting} (${n.why}).`);
    const steps: Step[] = [
      ...netnsVethSteps(p.name, veth, uplink.mtu),
      {
        kind: "bridge-add",
        dev: bridge,
        ...(uplink.address ? { mac: uplink.address } : {}),
        mtu: uplink.mtu,
        // The uplink's link group, which firewall rules (nft iifgroup) may select the host's LAN traffic by.
        ...(uplink.group && uplink.group !== "default" ? { group: uplink.group } : {}),
        // How the host answers on the LAN, and the name monitoring knows the interface by (X10).
        ...(uplink.flags.includes("NOARP") ? { noarp: true as const } : {}),
        ...(uplink.flags.includes("MULTICAST") ? {} : { nomulticast: true as const }),
        ...(uplink.ifalias ? { alias: uplink.ifalias } : {}),
      },
      // Before the bridge comes up: addr_gen_mode, disable_ipv6 and accept_dad act when it does.
      ...settings.carried.filter((x) => !setAfterPorts(x)).map((x) => bridgeSetting(bridge, x)),
      { kind: "link-set-up", dev: bridge },
      ...uplinkMigrationSteps(uplink, bridge, facts, { force: p.force }),
      ...attachSteps(
        p.name,
        veth.host,
        bridge,
        addrSpec(local, address.prefix),
        gateway,
        gatewayOnLink(gateway, address),
      ),
    ];
    if (address6) {
      steps.push({
        kind: "addr-add",
        dev: NETNS_IFNAME,
        netns: p.name,
        // On the LAN: duplicate address detection stays on (RFC 4862); the step fails on `dadfailed`.
        addr: addrSpec(address6.local, address6.prefix, true),
      });
      if (gateway6) {
        steps.push({
          kind: "route-add",
          netns: p.name,
          route: {
            family: 6,
            dst: "default",
            via: gateway6,
            dev: NETNS_IFNAME,
            ...(gatewayOnLink(gateway6, address6) ? { onlink: true } : {}),
          },
        });
      }
    }
    // Once the bridge is up and its last port (the namespace's veth) has joined: the kernel resets these before.
    steps.push(
      ...settings.carried.filter(setAfterPorts).map((x): Step => ({ ...bridgeSetting(bridge, x), whenOperUp: true })),
    );
    return {
      label: p.name,
      steps,
      recheck: steps.flatMap((s, i) => carriedToBridge(s, bridge) ? [i] : []),
      uses: [],
      handover: [],
      enter: netnsEnter(p.name),
      // The namespace's address is on the uplink's LAN: probed there before any step (ARP, RFC 5227).
      probes: [{ dev: uplink.ifname, address: local, option: "--address" }],
      notes: [
        ...notes,
        `'${uplink.ifname}' is handed to bridge '${bridge}': connections through it pause for the switch (a few ms; 'nsrecipe rehearse full-migrate' measures it).`,
      ],
    };
  },
};

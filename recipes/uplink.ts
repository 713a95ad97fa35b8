/**
 * The uplink side of full-migrate, as pure planning: pick and check the
 * uplink, find its gateway, and plan the move of its addresses and routes
 * onto a bridge in an order that keeps the outage short.
 *
 * The kernel facts relied on (ip-address(8), ip-route(8)):
 * - once a link is enslaved to a bridge, frames it receives go to the bridge
 *   and addresses on the port stop answering, so the bridge must already hold
 *   them (and the port's MAC) when the port is enslaved;
 * - an IPv4 route is keyed by prefix, TOS, metric and table, not device: the
 *   same default on the bridge is refused (`File exists`) until the uplink's is
 *   deleted, so the uplink's routes are deleted before they are re-added;
 * - a gateway must be reachable through a route without gateway on the same
 *   device, so routes are re-added in dependency order and deleted in the
 *   reverse order (see `uplink_routes.ts`); undo, which replays the steps
 *   backwards, then restores them in dependency order too;
 * - deleting a primary IPv4 address deletes its secondaries (unless
 *   `promote_secondaries`) and the routes using it, so routes go first and
 *   addresses are deleted secondaries first; undo then re-adds them primary
 *   first, restoring their order.
 *
 * @module
 */
import { PreconditionError, UsageError } from "../src/errors.ts";
import {
  bridgePortProblem,
  defaultRouteDevice,
  type HostFacts,
  type IpAddrInfo,
  type IpLink,
} from "../src/host/mod.ts";
import { addrSpecFromJson, neighSpecFromJson, type Step } from "../src/steps/mod.ts";
import { expiringPrefixRoutes, movableRoutes, unmovableRoutes } from "./uplink_routes.ts";
import { ruleForLink, uplinkRules } from "./uplink_rules.ts";

export { expiringPrefixRoutes, movableRoutes, raRouteNotes, unmovableRoutes } from "./uplink_routes.ts";

/**
 * Picks the uplink and refuses one that cannot be bridged.
 *
 * @param facts Host facts.
 * @param requested `--uplink`, or `undefined` for the device of the default route.
 * @returns The uplink.
 * @throws {UsageError} When `requested` is an alternative name (altname) of a link.
 * @throws {PreconditionError} When there is none, or it is missing, or it
 *   cannot be a working bridge port (`bridgePortProblem`: the loopback,
 *   wireless, a bridge, already enslaved (to a bridge or a bond), a macvlan,
 *   macvtap, ipvlan or ipvtap, one carrying such a device, or not Ethernet).
 */
export function selectUplink(facts: HostFacts, requested?: string): IpLink {
  const name = requested ?? defaultRouteDevice(facts);
  if (!name) {
    throw new PreconditionError(
      "The host has no default route, so there is no uplink to migrate",
      "Name the uplink with --uplink.",
    );
  }
  const link = facts.links.find((l) => l.ifname === name);
  if (!link) {
    const owner = facts.links.find((l) => l.altnames?.includes(name));
    if (owner) {
      // The steps, the journal and the identities name links by their one name; an altname would be a second key.
      throw new UsageError(
        `--uplink '${name}' is an alternative name of '${owner.ifname}'`,
        `Give its name: --uplink ${owner.ifname}.`,
      );
    }
    throw new PreconditionError(`The uplink '${name}' does not exist`, "Check 'ip -br link' and --uplink.");
  }
  const port = bridgePortProblem(link, facts.wireless, facts.links);
  if (port) throw new PreconditionError(`The uplink ${port.problem}`, port.hint);
  return link;
}

/**
 * The uplink's global addresses, both families, in kernel order (IPv4
 * primary first): the LAN's subnets, where the namespace's address lies.
 * @param facts Host facts.
 * @param uplink Link name.
 * @returns The addresses.
 */
export function movableAddresses(facts: HostFacts, uplink: string): IpAddrInfo[] {
  return (facts.addrs.find((l) => l.ifname === uplink)?.addr_info ?? []).filter((a) => a.scope === "global");
}

/**
 * The uplink's addresses that move to the bridge: every IPv4 address,
 * whatever its scope (an IPv4 link-local 169.254/16 address, `scope link`, as
 * avahi-autoipd or NetworkManager's `ipv4.link-local` add it, is reached over
 * the LAN like any other and would be dead on a bridge port), and the global
 * IPv6 ones, in kernel order. IPv6 link-local addresses stay: the kernel makes
 * the bridge its own (RFC 4862), and the uplink's keeps its `fe80::` address.
 * Left out ({@link addressesLeftOut}): IPv6 privacy addresses (`temporary`),
 * which the kernel makes itself, and addresses that failed duplicate address
 * detection (`dadfailed`), which the kernel keeps disabled.
 * @param facts Host facts.
 * @param uplink Link name.
 * @returns The addresses.
 */
export function migratedAddresses(facts: HostFacts, uplink: string): IpAddrInfo[] {
  return (facts.addrs.find((l) => l.ifname === uplink)?.addr_info ?? [])
    .filter((a) => (a.family === "inet" || a.scope === "global") && !a.temporary && !a.dadfailed);
}

/**
 * The uplink's addresses full-migrate leaves alone, each with what happens
 * to it, for the plan's notes:
 * - a privacy address (`temporary`, RFC 8981) is the kernel's own: copied it
 *   would be a plain static address that is never rotated. The kernel makes
 *   new ones on the bridge from its `mngtmpaddr` address (its `use_tempaddr`
 *   is carried) and deletes the uplink's with their base; after undo it makes
 *   new ones on the uplink, as after any link restart (net/ipv6/addrconf.c
 *   `manage_tempaddrs`, `ipv6_create_tempaddr`);
 * - an address that failed duplicate address detection (`dadfailed`,
 *   RFC 4862 5.4.5: another host on the LAN holds it) is disabled; copied
 *   (with `nodad`) it would take that host's traffic. It stays on the uplink,
 *   disabled, and undo leaves it so.
 * @param facts Host facts.
 * @param uplink Link name.
 * @param bridge The bridge.
 * @returns One readable line per address; `[]` when none.
 */
export function addressesLeftOut(facts: HostFacts, uplink: string, bridge: string): string[] {
  const addrs = facts.addrs.find((l) => l.ifname === uplink)?.addr_info ?? [];
  const cidr = (a: IpAddrInfo) => `${a.local}/${a.prefixlen}`;
  return addrs.flatMap((a) => {
    if (a.dadfailed) {
      return [
        `Left disabled on '${uplink}', not moved: ${
          cidr(a)
        } failed duplicate address detection (another host on the LAN holds it); undo leaves it as it is.`,
      ];
    }
    if (a.temporary) {
      return [
        `Not copied: privacy address ${
          cidr(a)
        } (temporary, made by the kernel); the kernel makes new ones on '${bridge}' from the 'mngtmpaddr' address (use_tempaddr is carried) and on '${uplink}' again after undo; connections using ${a.local} end.`,
      ];
    }
    return [];
  });
}

/** Options of {@link uplinkMigrationSteps}. */
export interface MigrationOptions {
  /** Accept DHCP-managed (dynamic) addresses: they are copied with their remaining lifetimes. */
  force?: boolean;
}

/**
 * Plans the move of an uplink's addresses and routes onto a bridge that
 * already exists (or is created by an earlier step) and is UP:
 * 1. add every movable address to the bridge with exactly its attributes
 *    (IPv6 without a new duplicate address detection: it is ours already);
 *    and the uplink's permanent and proxy neighbour entries, and its policy
 *    rules (`iif`/`oif` the uplink) for the bridge;
 * 2. enslave the uplink (from here the bridge answers for it);
 * 3. delete the movable routes from the uplink (those relied on last), then
 *    add them on the bridge (those relied on first);
 * 4. delete the uplink's rules, then its neighbour entries (the kernel would flush
 *    the IPv4 ones with its last IPv4 address, unjournalled), then its
 *    addresses, secondaries first, then the prefix routes the kernel keeps
 *    for deleted IPv6 addresses with a finite lifetime ({@link expiringPrefixRoutes}).
 *
 * @param uplink The uplink (from {@link selectUplink}).
 * @param bridge Bridge name.
 * @param facts Host facts.
 * @param opts Options.
 * @returns The steps, in order.
 * @throws {PreconditionError} When the uplink has DHCP-managed addresses and `force` is not set, or
 *   addresses still in duplicate address detection (`tentative`, not `optimistic`).
 */
export function uplinkMigrationSteps(
  uplink: IpLink,
  bridge: string,
  facts: HostFacts,
  opts: MigrationOptions = {},
): Step[] {
  const dev = uplink.ifname;
  const addrs = migratedAddresses(facts, dev);
  const tentative = addrs.filter((a) => a.tentative && !a.optimistic);
  if (tentative.length > 0) {
    // Copied now (with nodad) they would be live on the bridge whatever the detection would have found.
    throw new PreconditionError(
      `The uplink '${dev}' has addresses still in duplicate address detection (tentative): ${
        tentative.map((a) => `${a.local}/${a.prefixlen}`).join(", ")
      }`,
      "Run again in a few seconds, once 'ip addr show dev " + dev +
        "' no longer shows them tentative (or shows them dadfailed: those are left alone).",
    );
  }
  const dynamic = addrs.filter((a) => a.dynamic);
  if (dynamic.length > 0 && !opts.force) {
    // IPv6 stateless autoconfiguration (RFC 4862) marks its addresses mngtmpaddr; no DHCP client holds them.
    const slaac = dynamic.filter((a) => a.family === "inet6" && a.mngtmpaddr);
    const leased = dynamic.filter((a) => !slaac.includes(a));
    const list = (as: typeof addrs) =>
      as.map((a) => `${a.local}/${a.prefixlen} (valid ${a.valid_life_time} s)`).join(", ");
    const what = [
      ...(leased.length > 0
        ? [
          `DHCP-managed (dynamic) addresses: ${
            list(leased)
          }; their lease is tied to '${dev}' and the DHCP client would lose it on '${bridge}'`,
        ]
        : []),
      ...(slaac.length > 0
        ? [
          `IPv6 addresses autoconfigured from router advertisements (SLAAC, no DHCP client): ${
            list(slaac)
          }; on '${bridge}' they are copied with their remaining lifetime, which only advertisements received on '${bridge}' renew`,
        ]
        : []),
    ];
    throw new PreconditionError(
      `The uplink '${dev}' has ${what.join("; and ")}`,
      leased.length > 0
        ? "Give the host a static address first, or pass --force and move the DHCP client to the bridge yourself."
        : "Pass --force to go ahead (the kernel autoconfigures the bridge from the next advertisements if it accepts them), or give the host static addresses first.",
      { waivedByForce: true },
    );
  }
  const peers = addrs.filter((a) => a.address !== undefined && a.address !== a.local);
  if (peers.length > 0) {
    throw new PreconditionError(
      `The uplink '${dev}' has point-to-point addresses: ${
        peers.map((a) => `${a.local} peer ${a.address}/${a.prefixlen}`).join(", ")
      }; full-migrate does not carry a peer address to the bridge, and the route to the peer would be lost`,
      "Use 'nsrecipe run veth-bridge --nat' on a point-to-point uplink.",
    );
  }
  const unmovable = unmovableRoutes(facts, dev);
  if (unmovable.length > 0) {
    throw new PreconditionError(
      `The uplink '${dev}' carries routes that full-migrate cannot move and restore exactly: ${unmovable.join("; ")}`,
      "Remove or simplify them first (and add them back on the bridge yourself), or use veth-bridge with --nat.",
    );
  }
  // IPv6 inserts each new address first, IPv4 appends: re-adding IPv6 addresses in reverse keeps their order,
  // on the bridge now and on the uplink when undo replays the deletions backwards.
  const v4 = addrs.filter((a) => a.family === "inet");
  const v6 = addrs.filter((a) => a.family === "inet6");
  const steps: Step[] = [];
  for (const a of [...v4, ...[...v6].reverse()]) {
    const spec = addrSpecFromJson(a);
    if (spec.label) {
      spec.label = spec.label.startsWith(`${dev}:`) ? `${bridge}${spec.label.slice(dev.length)}` : undefined;
    }
    steps.push({ kind: "addr-add", dev: bridge, addr: spec, ...(spec.family === "inet6" ? { skipDad: true } : {}) });
  }
  const neighbours = facts.neighbours.filter((n) => n.dev === dev).map(neighSpecFromJson);
  for (const neigh of neighbours) steps.push({ kind: "neigh-add", dev: bridge, neigh });
  const rules = uplinkRules(facts, dev);
  for (const rule of rules) steps.push({ kind: "rule-add", rule: ruleForLink(rule, dev, bridge) });
  steps.push({ kind: "link-set-master", dev, master: bridge });
  const routes = movableRoutes(facts, dev);
  for (const route of [...routes].reverse()) steps.push({ kind: "route-del", route });
  for (const route of routes) steps.push({ kind: "route-add", route: { ...route, dev: bridge } });
  for (const rule of rules) steps.push({ kind: "rule-del", rule });
  for (const neigh of neighbours) steps.push({ kind: "neigh-del", dev, neigh });
  for (const a of [...v6, ...[...v4].reverse()]) steps.push({ kind: "addr-del", dev, addr: addrSpecFromJson(a) });
  // The kernel keeps the prefix route of a deleted address with a finite lifetime (H1): it would win on the port.
  // Undo re-adds it beside the bridge's own, which stays until the bridge is deleted.
  for (const route of expiringPrefixRoutes(facts, dev, v6)) {
    steps.push({ kind: "route-del", route, appendOnRevert: true });
  }
  return steps;
}

/**
 * Checks that the namespace's address is inside one of the uplink's IPv4 (or
 * IPv6) subnets and not already used on the host. On an uplink whose
 * addresses of that family are all host prefixes (`/32` or `/128`, a hosted
 * server's setup with its gateway behind a `scope link` host route) there is
 * no subnet: a host-prefix address (one the provider routes to this host) is
 * accepted, and the namespace reaches the gateway `onlink`.
 * @param address CIDR, e.g. `198.51.100.50/24`.
 * @param facts Host facts.
 * @param uplink Link name.
 * @param inSubnet Whether an address lies in a CIDR (injected: `recipes/subnet.ts` in the recipe).
 * @param option The option that gave it, for the messages.
 * @throws {UsageError} When outside every subnet of the uplink, or taken.
 */
export function assertAddressOnUplinkSubnet(
  address: string,
  facts: HostFacts,
  uplink: string,
  inSubnet: (address: string, cidr: string) => boolean,
  option: "--address" | "--address6" = "--address",
): void {
  const addrs = movableAddresses(facts, uplink);
  const local = address.split("/")[0];
  const taken = facts.addrs.flatMap((l) => l.addr_info).find((a) => a.local === local || a.address === local);
  if (taken) {
    throw new UsageError(
      taken.local === local
        ? `${option} ${local} is already in use on this host`
        : `${option} ${local} is the peer of this host's point-to-point address ${taken.local}`,
      "Choose a free address on the LAN.",
    );
  }
  if (addrs.some((a) => inSubnet(local, `${a.local}/${a.prefixlen}`))) return;
  // A hosted server's uplink (M3): its address is a host prefix (198.51.100.10/32) and its gateway is reached
  // through a `scope link` host route, so there is no LAN subnet to pick from; an address the provider routes to
  // this host, given as a host prefix too, is on the link (its default route is added `onlink`).
  const v6 = local.includes(":");
  const full = v6 ? 128 : 32;
  const family = addrs.filter((a) => a.local.includes(":") === v6);
  const hostPrefixes = family.length > 0 && family.every((a) => a.prefixlen === full);
  const prefix = Number(address.split("/")[1]);
  if (hostPrefixes && prefix === full) return;
  const shown = addrs.map((a) => `${a.local}/${a.prefixlen}`).join(", ") || "none";
  throw new UsageError(
    `${option} ${address} is outside the uplink's subnets (${shown})`,
    hostPrefixes
      ? `The uplink's addresses are host prefixes (/${full}, a hosted server's setup): there is no subnet to pick ` +
        `from; give an address your provider routes to this host as /${full}, e.g. ${option} ${local}/${full}, or use ` +
        "'veth-bridge --nat' to give the namespace a private subnet behind this host."
      : `The namespace joins the LAN of '${uplink}': pick a free address on its subnet.`,
  );
}

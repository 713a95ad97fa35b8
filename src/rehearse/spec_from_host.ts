/**
 * A lab copy of this host's uplink: name, MAC, MTU, addresses and routes
 * with every attribute, the policy rules naming it, its permanent
 * neighbours and per-interface settings, with a LAN holding the gateways.
 * Pure.
 *
 * @module
 */
import { canonicalAddress, hostAt, parseSubnet, subnetSize } from "../../recipes/subnet.ts";
import { migratedAddresses, movableRoutes } from "../../recipes/uplink.ts";
import { uplinkRules } from "../../recipes/uplink_rules.ts";
import { uplinkSettings } from "../../recipes/uplink_settings.ts";
import { PreconditionError } from "../errors.ts";
import {
  defaultGateway,
  defaultRouteDevice,
  type HostFacts,
  type IpAddrInfo,
  type IpLink,
  type LinkSysctl,
  STABLE_SECRET,
} from "../host/mod.ts";
import { DEFAULT_LAB, type LabSpec } from "../lab/mod.ts";
import { addrSpecFromJson, neighSpecFromJson } from "../steps/mod.ts";

/**
 * A free host address in a subnet for the simulated other LAN host: the
 * first one from the top of the subnet (below broadcast) that is not taken.
 * @param cidr The subnet, e.g. `198.51.100.10/24`.
 * @param taken Addresses in use.
 * @returns The address.
 */
export function freeHostAddress(cidr: string, taken: readonly string[]): string {
  const subnet = parseSubnet(cidr, "The uplink's address");
  const used = new Set(taken.map(canonicalAddress));
  // Below the all-ones address (IPv4 broadcast; the top of an IPv6 subnet holds anycast ids, RFC 2526).
  const top = subnetSize(subnet) - 2n;
  for (let offset = top; offset > 0n && top - offset < 65536n; offset--) {
    const candidate = hostAt(subnet, offset);
    if (!used.has(canonicalAddress(candidate))) return candidate;
  }
  throw new PreconditionError(`No free address in ${cidr} for the lab's LAN host`);
}

/** The `stable_secret` the lab's uplink gets where the host's has one (its value does not matter to the rehearsal). */
export const LAB_STABLE_SECRET = "2001:0db8:0000:0000:0000:0000:0000:0001";

/**
 * The per-interface settings the lab copies: those full-migrate carries
 * (the uplink's values that differ from `default`), with the host's
 * `default` values of the same settings, so the lab's plan carries the
 * same ones. Duplicate address detection stays off in the lab (its links
 * are new, their addresses are not). A `stable_secret` is copied as
 * {@link LAB_STABLE_SECRET}, not the host's.
 * @param facts This host's facts.
 * @param uplink The uplink.
 * @returns The settings, `default` ones first.
 */
function labSysctls(facts: HostFacts, uplink: IpLink): LinkSysctl[] {
  const carried = uplinkSettings(facts, uplink).carried.filter((x) => x.name !== "accept_dad")
    // The lab's uplink gets a secret of its own: the host's never leaves it (it would be on the lab's command line).
    .map((x) => x.name === STABLE_SECRET ? { ...x, value: LAB_STABLE_SECRET } : x);
  const keys = new Set(carried.map((x) => `${x.tree}:${x.name}`));
  const defaults = facts.linkSysctls.filter((x) => x.dev === "default" && keys.has(`${x.tree}:${x.name}`));
  return [...defaults, ...carried];
}

/**
 * Builds the lab spec that copies the host's uplink: its name, MAC, MTU, link group,
 * every address full-migrate moves (`migratedAddresses`: IPv4 link-local
 * and secondary ones too) with every attribute, every route through it (proto, scope,
 * src, metric, table, realm, in dependency order), the policy rules naming it, its
 * permanent neighbours and its per-interface settings.
 *
 * @param facts This host's facts (read-only).
 * @param uplinkName `--uplink`, or `undefined` for the device of the default route.
 * @returns The spec.
 * @throws {PreconditionError} When there is no uplink, or it has no IPv4
 *   address or IPv4 default route (the lab needs both).
 */
export function labSpecFromHost(facts: HostFacts, uplinkName?: string): LabSpec {
  const uplink = uplinkName ?? defaultRouteDevice(facts);
  const link = facts.links.find((l) => l.ifname === uplink);
  if (!uplink || !link) {
    throw new PreconditionError(
      `No uplink to copy${uplink ? `: '${uplink}' does not exist` : ""}`,
      uplinkName === undefined
        ? "Name it with --uplink."
        : "Give --uplink a link of this host ('ip -br link' lists them).",
    );
  }
  // Every address full-migrate moves (IPv4 link-local 169.254/16 and secondaries with their labels among
  // them), so the lab's plan moves the same ones; the LAN's subnets are those of the global ones.
  const addrs = migratedAddresses(facts, uplink);
  const v4 = addrs.filter((a) => a.family === "inet" && a.scope === "global");
  const v6 = addrs.filter((a) => a.family === "inet6");
  const gateway = defaultGateway(facts, uplink, 4);
  if (v4.length === 0 || !gateway) {
    throw new PreconditionError(`The uplink '${uplink}' has no IPv4 address and default route to copy into the lab`);
  }
  const gateway6 = v6.length ? defaultGateway(facts, uplink, 6) ?? "" : "";
  const cidr = (a: IpAddrInfo) => `${a.local}/${a.prefixlen}`;
  const routes = movableRoutes(facts, uplink);
  const taken = [...addrs.map((a) => a.local), ...routes.flatMap((r) => (r.via ? [r.via] : []))];
  const metric = routes.find((r) => r.family === 4 && r.dst === "default" && (r.table ?? "main") === "main")?.metric;
  return {
    ...DEFAULT_LAB,
    uplink,
    mac: link.address ?? DEFAULT_LAB.mac,
    mtu: link.mtu,
    ...(link.group && link.group !== "default" ? { group: link.group } : {}),
    address: cidr(v4[0]),
    gateway,
    lanHost: freeHostAddress(cidr(v4[0]), taken),
    address6: gateway6 ? cidr(v6[0]) : "",
    gateway6,
    lanHost6: gateway6 ? freeHostAddress(cidr(v6[0]), taken) : "",
    metric: metric ?? 0,
    // IPv6 inserts each new address first, IPv4 appends: IPv6 ones are added in reverse to keep the kernel's order.
    uplinkAddrs: [
      ...addrs.filter((a) => a.family === "inet"),
      ...[...addrs.filter((a) => a.family === "inet6")].reverse(),
    ]
      .map(addrSpecFromJson),
    uplinkRoutes: routes,
    rules: uplinkRules(facts, uplink),
    // Entries for the LAN's own hosts would pin the real gateway's MAC, which the lab's gateway has not.
    neighbours: facts.neighbours.filter((n) => n.dev === uplink && ![gateway, gateway6].includes(n.dst))
      .map(neighSpecFromJson),
    sysctls: labSysctls(facts, link),
  };
}

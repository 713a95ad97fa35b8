/**
 * The namespace's address on the uplink's LAN (full-migrate's `--address`
 * and `--address6`): checked against the host's facts before any step, so a
 * migration that could only fail after the uplink was switched is refused
 * at plan time. Pure.
 *
 * The namespace takes over none of the host's routes: its only ways out are
 * the connected subnet of its address and a default route via the host's
 * gateway. The kernel refuses `ip route add default via GW` when GW is not
 * reachable through a connected route ("Nexthop has invalid gateway",
 * fib_check_nh() in net/ipv4/fib_semantics.c; ip6_route_check_nh() for
 * IPv6), so a prefix that leaves out a gateway the host reaches on its LAN
 * (a /32, /31, /128, or any prefix beside the gateway) is a usage error.
 * nsrecipe does not turn it into an `onlink` point-to-point setup as
 * veth-bridge does for /32: on a shared LAN the narrower prefix would also
 * cut the namespace off from every other host of the subnet except through
 * the gateway, which is almost certainly not what was meant; the LAN's own
 * prefix is the answer.
 *
 * @module
 */
import { UsageError } from "../src/errors.ts";
import type { HostFacts } from "../src/host/mod.ts";
import { assertHostAddress, type Cidr, inSubnet, parseCidr, parseSubnet, subnetCidr } from "./subnet.ts";
import { assertAddressOnUplinkSubnet, movableAddresses } from "./uplink.ts";

/**
 * Checks the namespace's address on the LAN: a CIDR of the right family,
 * inside one of the uplink's subnets and free on the host, a usable host
 * address both of its own prefix and of the LAN's subnet (not the network or
 * broadcast address, not the IPv6 Subnet-Router anycast address), and with
 * the host's gateway inside its prefix when the host reaches that gateway on
 * the LAN's subnet (a gateway reached through a host route is left to the
 * recipe).
 * @param text The option's value, e.g. `198.51.100.50/24`.
 * @param option `--address` or `--address6`.
 * @param family 4 for `--address`, 6 for `--address6`.
 * @param facts Host facts.
 * @param uplink The uplink, e.g. `eth0`.
 * @param gateway The host's default gateway of that family through the uplink, if any.
 * @returns The parsed address.
 * @throws {UsageError} When any of these does not hold, naming the address, the prefix and the gateway.
 */
export function checkLanAddress(
  text: string,
  option: "--address" | "--address6",
  family: 4 | 6,
  facts: HostFacts,
  uplink: string,
  gateway: string | undefined,
): Cidr {
  const c = parseCidr(text, option);
  if (c.subnet.family !== family) {
    throw new UsageError(
      family === 4 ? `--address ${text} must be IPv4; give IPv6 with --address6` : `--address6 ${text} is not IPv6`,
    );
  }
  // In canonical form, as the host's addresses are listed: `2001:DB8::10` is the host's `2001:db8::10`.
  assertAddressOnUplinkSubnet(`${c.local}/${c.prefix}`, facts, uplink, inSubnet, option);
  const own = subnetCidr(c.subnet);
  assertHostAddress(c.local, c.subnet, option);
  const lans = movableAddresses(facts, uplink)
    .map((a) => parseSubnet(`${a.local}/${a.prefixlen}`))
    .filter((s) => s.family === family);
  for (const lan of lans) if (inSubnet(c.local, subnetCidr(lan))) assertHostAddress(c.local, lan, option);
  if (gateway && !inSubnet(gateway, own)) {
    const lan = lans.find((s) => inSubnet(gateway, subnetCidr(s)));
    if (lan) {
      throw new UsageError(
        `${option} ${text}: the gateway ${gateway} is outside ${own}, so the namespace could not reach it ` +
          "(its default route would be refused after the uplink was switched: 'Nexthop has invalid gateway')",
        `Give the LAN's prefix, e.g. ${option} ${c.local}/${lan.prefix}.`,
      );
    }
  }
  return c;
}

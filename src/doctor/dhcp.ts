/**
 * The DHCP check: addresses on the uplink that a DHCP client (or IPv6
 * autoconfiguration) manages. The kernel marks an address with a finite
 * lifetime `dynamic` (ip-address(8): `valid_lft`, `preferred_lft`); the lease
 * behind it belongs to the client running on the uplink, which renews it
 * there. After full-migrate the address sits on the bridge, so the renewals
 * go astray and the address expires when its valid lifetime runs out.
 *
 * @module
 */
import type { IpAddrInfo } from "../host/mod.ts";
import { type CheckContext, type DoctorFacts, type Finding, finding } from "./types.ts";
import { uplinkOf } from "./uplink.ts";

/** The lifetime iproute2 reports for `forever` (0xffffffff seconds). */
export const FOREVER = 4294967295;

/**
 * Whether an address is DHCP-managed: `dynamic` with a finite valid lifetime.
 * @param a One entry of `addr_info` from `ip -json addr`.
 * @returns `true` for a leased (or autoconfigured) address.
 */
export function isDynamic(a: IpAddrInfo): boolean {
  return a.dynamic === true && a.valid_life_time !== undefined && a.valid_life_time !== FOREVER;
}

/**
 * Describes a dynamic address with its lifetimes.
 * @param a The address.
 * @returns e.g. `198.51.100.50/24 (valid 300 s, preferred 300 s)`.
 */
export function describeLease(a: IpAddrInfo): string {
  const life = (s?: number) => (s === undefined || s === FOREVER ? "forever" : `${s} s`);
  return `${a.local}/${a.prefixlen} (valid ${life(a.valid_life_time)}, preferred ${life(a.preferred_life_time)})`;
}

/**
 * Checks the uplink for DHCP-managed addresses.
 *
 * Verdicts: none → ok; some → warn for `nsrecipe doctor` (full-migrate accepts
 * them with `--force`, copying the remaining lifetimes), fail for full-migrate
 * without `--force`.
 *
 * @param facts Doctor facts.
 * @param ctx The check context.
 * @returns The `dhcp` finding, listing each address with its lifetimes.
 */
export function checkDhcp(facts: DoctorFacts, ctx: CheckContext): Finding {
  const id = "dhcp";
  const up = uplinkOf(facts);
  if (up === "unknown" || !facts.host.ok) return finding(id, "warn", "Not checked: the addresses could not be read");
  if (!up || !up.link) return finding(id, "ok", "No uplink to check");
  // Privacy addresses (temporary) are the kernel's own and those that failed DAD are disabled: full-migrate
  // copies neither (it notes them), so neither is a lease to refuse.
  const leased = (facts.host.value.addrs.find((l) => l.ifname === up.dev)?.addr_info ?? [])
    .filter((a) => isDynamic(a) && !a.temporary && !a.dadfailed);
  if (leased.length === 0) return finding(id, "ok", `No DHCP-managed address on '${up.dev}'`);
  const refuse = ctx.movesUplink === true && !ctx.force;
  const list = leased.map(describeLease).join(", ");
  const first = leased[0];
  // IPv6 stateless autoconfiguration (RFC 4862) marks its addresses mngtmpaddr: router advertisements, no DHCP client.
  if (leased.every((a) => a.family === "inet6" && a.mngtmpaddr)) {
    return finding(
      id,
      refuse ? "fail" : "warn",
      `'${up.dev}' has ${leased.length === 1 ? "an IPv6 address" : "IPv6 addresses"} autoconfigured from router ` +
        `advertisements (SLAAC) ${list}; ` +
        (ctx.force ? "full-migrate copies it (--force given)" : "full-migrate refuses it without --force"),
      [
        `Only advertisements received on '${up.dev}' renew it: once it is a bridge port, the copy on the bridge ` +
        "expires unless the bridge accepts advertisements and autoconfigures itself.",
        "Or accept it: full-migrate --force copies the address with its remaining lifetime.",
      ].join("\n"),
    );
  }
  return finding(
    id,
    refuse ? "fail" : "warn",
    `'${up.dev}' has ${leased.length === 1 ? "a DHCP-managed address" : "DHCP-managed addresses"} ${list}: ` +
      `the lease is tied to '${up.dev}'; ` +
      (ctx.force ? "full-migrate copies it (--force given)" : "full-migrate refuses it without --force"),
    [
      `The DHCP client renews the lease on '${up.dev}': once full-migrate moves the address to the bridge, the ` +
      "client puts it back on the uplink or lets it expire.",
      // The command on a line of its own: copied as it is (never wrapped, cli/wrap.ts).
      "Make it static in the network configuration (or run the DHCP client on the bridge), then:",
      `ip addr change ${first.local}/${first.prefixlen} dev ${up.dev} valid_lft forever preferred_lft forever`,
      "Or accept it: full-migrate --force copies the address with its remaining lifetime.",
    ].join("\n"),
  );
}

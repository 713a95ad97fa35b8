/**
 * Policy routing rules that name a link (`iif DEV`, `oif DEV`, ip-rule(8)),
 * quoted for a report. Pure. The kernel accepts a rule naming a link that
 * does not exist (`ip rule` shows it `[detached]`) and applies it as soon as
 * a link of that name appears: a rule naming the bridge full-migrate is
 * about to create then matches every packet the host exchanges on its LAN.
 *
 * @module
 */
import type { IpRule } from "./ip_json.ts";
import type { HostFacts } from "./facts.ts";
import { nftRulesNamingLink } from "./nft_link_refs.ts";

/**
 * How `ip rule` would show a rule, enough to find it: priority, selector and action.
 * @param r The rule.
 * @param family 4 or 6.
 * @returns e.g. `ip -6 rule 900: iif br0 prohibit`, `ip rule 1000: from 10.0.0.0/8 oif br0 lookup 100`.
 */
export function ruleText(r: IpRule, family: 4 | 6): string {
  const sel = [
    r.not === null ? "not" : "",
    r.src && r.src !== "all" ? `from ${r.src}${r.srclen === undefined ? "" : `/${r.srclen}`}` : "",
    r.dst ? `to ${r.dst}${r.dstlen === undefined ? "" : `/${r.dstlen}`}` : "",
    r.fwmark ? `fwmark ${r.fwmark}${r.fwmask ? `/${r.fwmask}` : ""}` : "",
    r.iif ? `iif ${r.iif}` : "",
    r.oif ? `oif ${r.oif}` : "",
    r.goto !== undefined ? `goto ${r.goto}` : r.action ? r.action : r.table ? `lookup ${r.table}` : "",
  ].filter((s) => s).join(" ");
  return `ip${family === 6 ? " -6" : ""} rule ${r.priority}: ${sel}`;
}

/**
 * The policy rules of both families naming a link as `iif` or `oif`.
 * @param rules4 IPv4 rules (`HostFacts.rules4`).
 * @param rules6 IPv6 rules (`HostFacts.rules6`).
 * @param dev The link, e.g. `br0`.
 * @returns One {@link ruleText} each, IPv4 first, in priority order.
 */
export function policyRulesNamingLink(
  rules4: readonly IpRule[],
  rules6: readonly IpRule[],
  dev: string,
): string[] {
  return [
    ...rules4.filter((r) => r.iif === dev || r.oif === dev).map((r) => ruleText(r, 4)),
    ...rules6.filter((r) => r.iif === dev || r.oif === dev).map((r) => ruleText(r, 6)),
  ];
}

/**
 * The nftables and policy rules naming the bridge full-migrate would create,
 * while no link has its name: nftables rules of the families that see the
 * bridge (`nft_link_refs.ts`) and policy rules. An existing link's rules are
 * in force already, and full-migrate refuses an existing name anyway.
 * @param host Host facts.
 * @param bridge The bridge-to-be.
 * @returns One line per rule; `[]` when the link exists or the ruleset is unread.
 */
export function refsNamingNewBridge(host: HostFacts, bridge: string): string[] {
  if (host.links.some((l) => l.ifname === bridge)) return [];
  return [
    ...nftRulesNamingLink(host.nftables ?? [], bridge),
    ...policyRulesNamingLink(host.rules4, host.rules6, bridge),
  ];
}

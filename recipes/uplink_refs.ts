/**
 * Host configuration outside nsrecipe's steps that names the uplink and
 * stops matching once the uplink is a bridge port. Pure.
 *
 * After `ip link set dev eth0 master br0`, the IP stack sees LAN traffic
 * enter and leave on the bridge (Documentation/networking/bridge.rst), so
 * netfilter rules of the `ip`, `ip6`, `inet` and `arp` families that match
 * `iifname "eth0"`, `oifname "eth0"`, `iif`, `oif` (nft(8) meta expressions;
 * also iptables-nft's `-i eth0`/`-o eth0`, which are the same expressions)
 * silently stop matching. Rules of the `bridge` and `netdev` families still
 * see the port and keep working. nsrecipe does not rewrite a firewall it did
 * not write: it reports such rules before any change, and `--force` goes
 * ahead anyway.
 *
 * @module
 */

/** The netfilter families whose interface matches see the bridge, not its port, once the uplink is enslaved. */
const IP_LAYER_FAMILIES = new Set(["ip", "ip6", "inet", "arp"]);

/** The nft meta keys that match an interface (libnftables-json(5)). */
const IFACE_KEYS = new Set(["iifname", "oifname", "iif", "oif"]);

/** Whether an nft interface name pattern (`eth0`, or `eth*` with nft's trailing wildcard) matches a link name. */
function namesLink(pattern: unknown, dev: string): boolean {
  if (typeof pattern !== "string") return false;
  return pattern === dev || (pattern.endsWith("*") && dev.startsWith(pattern.slice(0, -1)));
}

/** Every string in a match's right-hand side: a value, a set (`{"set": [...]}`) or nested lists. */
function values(right: unknown): unknown[] {
  if (Array.isArray(right)) return right.flatMap(values);
  if (right && typeof right === "object" && "set" in right) return values((right as { set: unknown }).set);
  return [right];
}

/**
 * The nftables rules that match on the link by interface in a family that
 * stops seeing it once it is a bridge port.
 * @param ruleset `nft -j list ruleset` entries (`HostFacts.nftables`).
 * @param dev The uplink, e.g. `eth0`.
 * @returns One line per rule, e.g.
 *   `nft rule inet filter input (handle 4): iifname == "eth0"`.
 */
export function nftRulesNamingLink(ruleset: readonly Record<string, unknown>[], dev: string): string[] {
  const out: string[] = [];
  for (const item of ruleset) {
    const rule = item.rule as
      | { family: string; table: string; chain: string; handle?: number; expr?: Record<string, unknown>[] }
      | undefined;
    if (!rule || !IP_LAYER_FAMILIES.has(rule.family)) continue;
    const hits: string[] = [];
    for (const e of rule.expr ?? []) {
      const m = e.match as { op?: string; left?: { meta?: { key?: string } }; right?: unknown } | undefined;
      const key = m?.left?.meta?.key;
      if (!m || !key || !IFACE_KEYS.has(key)) continue;
      const named = values(m.right).filter((v) => namesLink(v, dev));
      if (named.length > 0) hits.push(`${key} ${m.op ?? "=="} ${named.map((v) => JSON.stringify(v)).join(", ")}`);
    }
    if (hits.length > 0) {
      const handle = rule.handle === undefined ? "" : ` (handle ${rule.handle})`;
      out.push(`nft rule ${rule.family} ${rule.table} ${rule.chain}${handle}: ${hits.join(", ")}`);
    }
  }
  return out;
}

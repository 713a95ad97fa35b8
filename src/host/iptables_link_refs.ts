/**
 * iptables rules that name a link (`-i DEV`, `-o DEV`, `DEV+` wildcards, also
 * negated), from `iptables -S` / `ip6tables -S` (iptables(8)): the x_tables
 * counterpart of `nft_link_refs.ts`, for a host whose firewall is
 * iptables-legacy, which `nft list ruleset` does not show. Pure.
 *
 * A chain iptables-nft keeps is also in the nftables ruleset (table `ip
 * filter` / `ip6 filter`, the chain's own name), where `nftRulesNamingLink`
 * reports it already: such chains are left out here.
 *
 * @module
 */

/** The options of iptables(8) that match an interface, in and out. */
const IFACE_OPTIONS = new Set(["-i", "--in-interface", "-o", "--out-interface"]);

/** Whether an iptables interface argument (`eth0`, or `eth+` with iptables' trailing wildcard) names a link. */
function namesLink(arg: string, dev: string): boolean {
  return arg === dev || (arg.endsWith("+") && dev.startsWith(arg.slice(0, -1)));
}

/**
 * The rules of `iptables -S` output (the filter table) that match a link by name.
 * @param text `iptables -S` or `ip6tables -S` output: `-P CHAIN POLICY`, `-N CHAIN`, `-A CHAIN MATCHES… -j TARGET`.
 * @param tool `iptables` or `ip6tables`, to quote the rule as a command.
 * @param dev The link, e.g. `br0`.
 * @param nftables The nftables ruleset (`HostFacts.nftables`): chains it holds in `ip filter` (`ip6 filter`) are left out.
 * @returns One line per rule, e.g. `iptables -A INPUT -i br0 -p tcp -m tcp --dport 22 -j DROP`.
 */
export function iptablesRulesNamingLink(
  text: string,
  tool: "iptables" | "ip6tables",
  dev: string,
  nftables: readonly Record<string, unknown>[] | undefined,
): string[] {
  const family = tool === "iptables" ? "ip" : "ip6";
  const inNft = new Set(
    (nftables ?? []).flatMap((item) => {
      const c = item.chain as Record<string, unknown> | undefined;
      return c && c.family === family && c.table === "filter" && typeof c.name === "string" ? [c.name] : [];
    }),
  );
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const words = line.trim().split(/\s+/);
    if (words[0] !== "-A" || words.length < 2 || inNft.has(words[1])) continue;
    const named = words.some((w, i) => IFACE_OPTIONS.has(w) && i + 1 < words.length && namesLink(words[i + 1], dev));
    if (named) out.push(`${tool} ${line.trim()}`);
  }
  return out;
}

/**
 * Whether a network namespace's addresses have settled after a change.
 * Read-only.
 *
 * @module
 */
import type { IpReader } from "./ip_json.ts";

/**
 * The addresses that are not usable yet: still `tentative` (RFC 4862
 * duplicate address detection), or IPv6 without their `local` route in the
 * `local` table. The kernel inserts that route when detection completes, in
 * a work queue after `ip addr add` returns, even with `nodad`
 * (net/ipv6/addrconf.c `addrconf_dad_completed`), so a snapshot taken at once
 * may see an address without it.
 * @param ip The reader.
 * @param netns A named netns, or `undefined` for the caller's own.
 * @returns One `LINK ADDRESS (why)` per unsettled address; `[]` when all have settled.
 */
export async function unsettledAddresses(ip: IpReader, netns?: string): Promise<string[]> {
  const [links, routes6] = await Promise.all([ip.addrs(netns), ip.routes(6, netns)]);
  const local = new Set(
    routes6.filter((r) => r.table === "local" && r.type === "local").map((r) => `${r.dev} ${r.dst}`),
  );
  return links.flatMap((l) =>
    l.addr_info.flatMap((a) => {
      if (a.tentative && !a.dadfailed) return [`${l.ifname} ${a.local} (tentative)`];
      if (a.family === "inet6" && !a.tentative && !local.has(`${l.ifname} ${a.local}`)) {
        return [`${l.ifname} ${a.local} (no local route yet)`];
      }
      return [];
    })
  );
}

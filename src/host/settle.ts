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

/**
 * Waits (bounded) until a link's operational state is `UP`, polling every
 * 20 ms. The kernel sets the operational state from carrier in its link-watch
 * work, after `ip link set up` returns (net/core/link_watch.c
 * `linkwatch_do_dev`, Documentation/networking/operstates.rst), and
 * announces the change there too (NETDEV_CHANGE), on which IPv6 resets the
 * link's `mtu` setting (net/ipv6/addrconf.c `addrconf_notify`): a setting
 * the kernel resets then is written once this returns.
 * @param ip The reader.
 * @param dev The link.
 * @param timeoutMs How long to wait at most, in ms.
 * @param netns A named netns, or `undefined` for the caller's own.
 * @returns `true` once it is `UP`; `false` when the link is gone or not `UP` after `timeoutMs`.
 */
export async function waitOperUp(ip: IpReader, dev: string, timeoutMs: number, netns?: string): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const link = await ip.link(dev, netns);
    if (link?.operstate === "UP") return true;
    if (!link || Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Waits (bounded) until every address of a network namespace has settled
 * ({@link unsettledAddresses}), polling every 20 ms.
 * @param ip The reader.
 * @param timeoutMs How long to wait at most, in ms.
 * @param netns A named netns, or `undefined` for the caller's own.
 * @returns The addresses still unsettled after `timeoutMs`; `[]` once all have settled.
 */
export async function waitSettled(ip: IpReader, timeoutMs: number, netns?: string): Promise<string[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const unsettled = await unsettledAddresses(ip, netns);
    if (unsettled.length === 0 || Date.now() > until) return unsettled;
    await new Promise((r) => setTimeout(r, 20));
  }
}

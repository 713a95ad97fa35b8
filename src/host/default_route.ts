/**
 * Which link is the uplink: the device of the default route the kernel would
 * use. One rule, used by the planners (full-migrate's uplink, veth-bridge's
 * `--nat` uplink), by doctor and by rehearse alike:
 *
 * - only unicast `default` routes of the main table that name a device count
 *   (a multipath route has no single device; `unreachable default dev lo` is
 *   no uplink);
 * - per family, the lowest metric wins (ip-route(8) `metric`: "the preference
 *   value of the route"; an IPv4 route without one has metric 0);
 * - among equal metrics, the first in the kernel's own order, which is the
 *   order `ip -json route show` lists them: IPv4 keeps same-key routes made by
 *   `ip route append` in list order and its lookup takes the first usable one;
 *   IPv6 merges equal-metric gateway routes into one multipath route, whose
 *   first next hop is listed first;
 * - the IPv4 default route's device first, else the IPv6 one's.
 *
 * @module
 */
import type { IpRoute } from "./ip_json.ts";

/** A host's routes as `HostFacts` holds them (every table, in `ip -json` order). */
export interface HostRoutes {
  /** IPv4 routes. */
  routes4: readonly IpRoute[];
  /** IPv6 routes. */
  routes6: readonly IpRoute[];
}

/**
 * The default route the kernel would use, of one family's routes.
 * @param routes The routes of one family, every table, in `ip -json` order.
 * @param dev Only routes through this link, e.g. `eth0`; `undefined` for any.
 * @returns The route, or `undefined` when there is none.
 * @example
 * ```ts
 * import { defaultRoute } from "./default_route.ts";
 * const r = defaultRoute([
 *   { dst: "default", gateway: "198.51.100.1", dev: "eth1", metric: 600, flags: [] },
 *   { dst: "default", gateway: "203.0.113.1", dev: "eth0", metric: 100, flags: [] },
 * ]);
 * console.assert(r?.dev === "eth0");
 * ```
 */
export function defaultRoute(routes: readonly IpRoute[], dev?: string): IpRoute | undefined {
  let best: IpRoute | undefined;
  for (const r of routes) {
    if (r.dst !== "default" || !r.dev || (r.table ?? "main") !== "main" || (r.type ?? "unicast") !== "unicast") {
      continue;
    }
    if (dev !== undefined && r.dev !== dev) continue;
    if (!best || (r.metric ?? 0) < (best.metric ?? 0)) best = r;
  }
  return best;
}

/**
 * The device of the default route: the IPv4 {@link defaultRoute}'s, else the IPv6 one's.
 * @param facts The host's routes.
 * @returns The link name, or `undefined` when there is no default route.
 * @example
 * ```ts
 * import { EMPTY_FACTS } from "./facts.ts";
 * import { defaultRouteDevice } from "./default_route.ts";
 * console.assert(defaultRouteDevice(EMPTY_FACTS) === undefined);
 * ```
 */
export function defaultRouteDevice(facts: HostRoutes): string | undefined {
  return defaultRoute(facts.routes4)?.dev ?? defaultRoute(facts.routes6)?.dev;
}

/**
 * The gateway of a link's default route of one family.
 * @param facts The host's routes.
 * @param dev The link, e.g. `eth0`.
 * @param family 4 or 6.
 * @returns The gateway address, e.g. `198.51.100.1`, or `undefined` when the
 *   link has no default route of that family or it has no gateway.
 */
export function defaultGateway(
  facts: HostRoutes,
  dev: string,
  family: 4 | 6,
): string | undefined {
  return defaultRoute(family === 4 ? facts.routes4 : facts.routes6, dev)?.gateway;
}

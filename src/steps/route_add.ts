import { z } from "../zod_deferred.ts";
import { netnsName } from "./fields.ts";
import { type Infer, type StepKind, stepSchema } from "./types.ts";
import { renamedRoute, routeArgv, routeMatches, routeSpecSchema } from "./specs.ts";
import { objectId } from "./objects.ts";
import { revertByInverse } from "./inverse.ts";

/**
 * `route-add`'s schema (as planned and journalled).
 * @ignore Its type, without zod's: {@link RouteAddStep}.
 */
export const routeAddSchema = stepSchema("route-add", () => ({
  /** Named netns to add the route in; absent for the host's own. */
  netns: z.optional(netnsName()),
  /** The route with its attributes. */
  route: routeSpecSchema(),
  /**
   * The route is on a link this run creates (veth-bridge's own bridge, its
   * route to a point-to-point namespace): deleting the link takes it along,
   * so undo deleting the link needs no inverse of its own (`within`). Absent
   * for a route that must go before its link does (full-migrate's routes,
   * moved from the uplink and back) and in journals of earlier versions.
   */
  goesWithLink: z.optional(z.literal(true)),
}));

/** Add a route: `ip [-n NS] -4|-6 route add …` (ip-route(8)). */
export type RouteAddStep = Infer<typeof routeAddSchema>;

/**
 * `route-add`: `ip [-n NS] -4|-6 route add …` (ip-route(8)). The kernel keys
 * an IPv4 route by prefix, TOS, metric and table, not by device: a second
 * default with the same metric fails with `File exists`. Verified by reading
 * the route back.
 */
export const routeAdd: StepKind<RouteAddStep> = {
  schema: routeAddSchema,
  summary: (s) =>
    `add route ${s.route.dst}${s.route.via ? ` via ${s.route.via}` : ""}${s.route.dev ? ` dev ${s.route.dev}` : ""}${
      s.netns ? ` in '${s.netns}'` : ""
    }`,
  object: (s) => s.netns ? objectId("netns", s.netns) : objectId("link", s.route.dev ?? "-"),
  within: (s) =>
    s.netns ? [objectId("netns", s.netns)] : s.goesWithLink && s.route.dev ? [objectId("link", s.route.dev)] : [],
  renamed: (s, captured, rename) => ({ step: s.netns ? s : { ...s, route: renamedRoute(s.route, rename) }, captured }),
  commands: (s) => [routeArgv("add", s.route, s.netns)],
  async verify(s, ctx) {
    const routes = await ctx.ip.routes(s.route.family, s.netns);
    return routes.some((r) => routeMatches(r, s.route)) ? undefined : `route ${s.route.dst} is not in the table`;
  },
  async isReverted(s, ctx) {
    const routes = await ctx.ip.routes(s.route.family, s.netns).catch(() => []);
    return !routes.some((r) => routeMatches(r, s.route));
  },
  ...revertByInverse((s) => [routeArgv("del", s.route, s.netns)]),
};

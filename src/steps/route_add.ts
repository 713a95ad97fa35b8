import type { RouteAddStep, StepKind } from "./types.ts";
import { routeArgv, routeMatches } from "./specs.ts";

/**
 * `route-add`: `ip [-n NS] -4|-6 route add …` (ip-route(8)). The kernel keys
 * an IPv4 route by prefix, TOS, metric and table, not by device: a second
 * default with the same metric fails with `File exists`. Verified by reading
 * the route back.
 */
export const routeAdd: StepKind<RouteAddStep> = {
  summary: (s) =>
    `add route ${s.route.dst}${s.route.via ? ` via ${s.route.via}` : ""}${s.route.dev ? ` dev ${s.route.dev}` : ""}${
      s.netns ? ` in '${s.netns}'` : ""
    }`,
  object: (s) => s.netns ? `netns:${s.netns}` : `link:${s.route.dev ?? "-"}`,
  commands: (s) => [routeArgv("add", s.route, s.netns)],
  async verify(s, ctx) {
    const routes = await ctx.ip.routes(s.route.family, s.netns);
    return routes.some((r) => routeMatches(r, s.route)) ? undefined : `route ${s.route.dst} is not in the table`;
  },
  async isReverted(s, ctx) {
    const routes = await ctx.ip.routes(s.route.family, s.netns).catch(() => []);
    return !routes.some((r) => routeMatches(r, s.route));
  },
  async revert(s, ctx) {
    await ctx.run(routeArgv("del", s.route, s.netns));
  },
};

import type { RouteDelStep, StepKind } from "./types.ts";
import { routeArgv, routeMatches, type RouteSpec, routeSpecFromJson } from "./specs.ts";

/**
 * `route-del`: `ip -4|-6 route del …` (ip-route(8)). Before it runs the
 * route is captured from `ip -json route show table all` with metric, proto,
 * scope, src, table and flags; the inverse adds it back exactly.
 */
export const routeDel: StepKind<RouteDelStep> = {
  summary: (s) => `remove route ${s.route.dst}${s.route.via ? ` via ${s.route.via}` : ""} dev ${s.route.dev ?? "-"}`,
  object: (s) => `link:${s.route.dev ?? "-"}`,
  commands: (s) => [routeArgv("del", s.route)],
  async capture(s, ctx) {
    const found = (await ctx.ip.routes(s.route.family)).find((r) => routeMatches(r, s.route));
    return found ? routeSpecFromJson(found, s.route.family) : s.route;
  },
  async verify(s, ctx) {
    const routes = await ctx.ip.routes(s.route.family);
    return routes.some((r) => routeMatches(r, s.route)) ? `route ${s.route.dst} is still there` : undefined;
  },
  async isReverted(s, ctx, captured) {
    const spec = (captured as RouteSpec | undefined) ?? s.route;
    return (await ctx.ip.routes(s.route.family)).some((r) => routeMatches(r, spec));
  },
  async revert(s, ctx, captured) {
    await ctx.run(routeArgv("add", (captured as RouteSpec | undefined) ?? s.route));
  },
};

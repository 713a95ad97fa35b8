import { z } from "../zod_deferred.ts";
import { type Infer, type StepKind, stepSchema } from "./types.ts";
import { renamedRoute, routeArgv, routeMatches, type RouteSpec, routeSpecFromJson, routeSpecSchema } from "./specs.ts";
import { objectId } from "./objects.ts";
import { revertByInverse } from "./inverse.ts";

/**
 * `route-del`'s schema (as planned and journalled).
 * @ignore Its type, without zod's: {@link RouteDelStep}.
 */
export const routeDelSchema = stepSchema("route-del", () => ({
  /**
   * The route to delete, in the host's network namespace, identified by
   * `dst`, `dev`, `via`, `metric`, `table` and `type` (unset ones match
   * anything); its other attributes are captured.
   */
  route: routeSpecSchema(),
  /**
   * Undo re-adds the route with `ip -6 route append` instead of `add`: for a
   * route without gateway this adds it beside a route of the same prefix and
   * metric on another link, which `add` (NLM_F_EXCL) refuses with `File
   * exists` for IPv6 (net/ipv6/ip6_fib.c `fib6_add_rt2node`). Used for an
   * IPv6 address's prefix route left on the uplink (the bridge holds the same
   * one until it is deleted); never for a route with a gateway, which
   * `append` would join into a multipath route.
   */
  appendOnRevert: z.optional(z.boolean()),
}));

/**
 * Delete a route. The full route (metric, proto, src, table, flags) is
 * captured before the deletion and re-added by the inverse.
 */
export type RouteDelStep = Infer<typeof routeDelSchema>;

/**
 * `route-del`: `ip -4|-6 route del …` (ip-route(8)). Before it runs the
 * route is captured from `ip -json route show table all` with metric, proto,
 * scope, src, table and flags; the inverse adds it back exactly.
 */
export const routeDel: StepKind<RouteDelStep> = {
  schema: routeDelSchema,
  summary: (s) => `remove route ${s.route.dst}${s.route.via ? ` via ${s.route.via}` : ""} dev ${s.route.dev ?? "-"}`,
  object: (s) => objectId("link", s.route.dev ?? "-"),
  renamed: (s, captured, rename) => ({
    step: { ...s, route: renamedRoute(s.route, rename) },
    captured: captured === undefined ? undefined : renamedRoute(captured as RouteSpec, rename),
  }),
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
  ...revertByInverse((s, captured) => [
    routeArgv(s.appendOnRevert ? "append" : "add", (captured as RouteSpec | undefined) ?? s.route),
  ]),
};

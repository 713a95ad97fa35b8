/**
 * The uplink check: which link carries the default route (`defaultRouteDevice`
 * of `src/host`, the rule the planners use too), and whether full-migrate
 * could move it onto a bridge.
 *
 * @module
 */
import {
  bridgePortProblem,
  defaultGateway,
  defaultRoute,
  defaultRouteDevice,
  type HostFacts,
  type IpLink,
} from "../host/mod.ts";
import { type CheckContext, type DoctorFacts, type Finding, finding } from "./types.ts";

/** The uplink as the checks see it. */
export interface Uplink {
  /** Its name. */
  dev: string;
  /** The link, when it exists. */
  link?: IpLink;
  /** Named with `--uplink` rather than found from the default route. */
  requested: boolean;
  /** The gateway of its IPv4 default route, if any. */
  gateway4?: string;
  /** The gateway of its IPv6 default route, if any. */
  gateway6?: string;
}

/**
 * Finds the uplink: the `--uplink` given, or the device of the default route.
 * @param host Host facts.
 * @param requested `--uplink`, if given.
 * @returns The uplink (its `link` unset when no such link exists), or
 *   `undefined` when none was given and there is no default route.
 */
export function resolveUplink(host: HostFacts, requested?: string): Uplink | undefined {
  const dev = requested ?? defaultRouteDevice(host);
  if (dev === undefined) return undefined;
  return {
    dev,
    link: host.links.find((l) => l.ifname === dev),
    requested: requested !== undefined,
    gateway4: defaultGateway(host, dev, 4),
    gateway6: defaultGateway(host, dev, 6),
  };
}

/**
 * The uplink of the gathered facts, for the checks that look at it.
 * @param facts Doctor facts.
 * @returns The uplink, `undefined` when there is none, or `"unknown"` when
 *   `ip` could not be read.
 */
export function uplinkOf(facts: DoctorFacts): Uplink | undefined | "unknown" {
  return facts.host.ok ? resolveUplink(facts.host.value, facts.uplinkRequested) : "unknown";
}

/**
 * Checks the uplink: there is one, it exists, and full-migrate could enslave
 * it (not the loopback, not a bridge, not already a bridge port).
 *
 * Verdicts: no default route → warn; `--uplink` naming a missing link or the
 * loopback → fail; a bridge or a bridge port → fail for full-migrate, else ok
 * (a bridge) or warn (a port); IPv4 and IPv6 defaults on different links →
 * warn (full-migrate moves one link).
 *
 * @param facts Doctor facts.
 * @param ctx The check context.
 * @returns The `uplink` finding.
 */
export function checkUplink(facts: DoctorFacts, ctx: CheckContext): Finding {
  const id = "uplink";
  if (!facts.host.ok) return finding(id, "warn", `Not checked: ${facts.host.reason}`);
  const host = facts.host.value;
  const up = resolveUplink(host, facts.uplinkRequested);
  const strict = ctx.movesUplink === true;
  if (!up) {
    return finding(
      id,
      strict ? "fail" : "warn",
      "No default route (IPv4 or IPv6), so no uplink was found",
      "Name the uplink for full-migrate with --uplink DEV. Recipes without the LAN (netns, veth-bridge) work as they are.",
    );
  }
  if (!up.link) {
    return finding(id, "fail", `The uplink '${up.dev}' given with --uplink does not exist`, "Check 'ip -br link'.");
  }
  if (up.link.flags.includes("LOOPBACK")) {
    return finding(id, "fail", `'${up.dev}' is the loopback device, not an uplink`, "Name the uplink with --uplink.");
  }
  const via = [
    up.gateway4 ? `IPv4 default via ${up.gateway4}` : "",
    up.gateway6 ? `IPv6 default via ${up.gateway6}` : "",
  ].filter((s) => s).join(", ");
  const where = `'${up.dev}'${
    via ? ` (${via})` : up.requested ? " (given with --uplink; no default route on it)" : ""
  }`;
  if (up.link.linkinfo?.info_kind === "bridge") {
    return finding(
      id,
      strict ? "fail" : "ok",
      strict
        ? `The uplink ${where} is itself a bridge; a bridge cannot be enslaved to another bridge`
        : `Uplink ${where} is already a bridge: attach namespaces to it; full-migrate is not needed`,
      strict ? `Attach the namespace to it instead: 'nsrecipe run veth-bridge --bridge ${up.dev}'` : undefined,
    );
  }
  if (up.link.master) {
    return finding(
      id,
      strict ? "fail" : "warn",
      `The uplink ${where} is already a port of '${up.link.master}'; full-migrate would move it out of that bridge`,
      `Attach the namespace to '${up.link.master}' instead: 'nsrecipe run veth-bridge --bridge ${up.link.master}'`,
    );
  }
  // Wireless links have their own check (wireless.ts); the other kinds that cannot be bridge ports are found here.
  const port = bridgePortProblem(up.link, [], host.links);
  if (port) {
    return finding(id, strict ? "fail" : "warn", `The uplink ${port.problem}; full-migrate refuses it`, port.hint);
  }
  const other6 = defaultRoute(host.routes6)?.dev;
  if (!up.requested && up.gateway4 && other6 && other6 !== up.dev) {
    return finding(
      id,
      "warn",
      `Uplink ${where}, but the IPv6 default route uses '${other6}'; full-migrate moves only '${up.dev}'`,
      `Name the link to migrate with --uplink (${up.dev} or ${other6}).`,
    );
  }
  return finding(id, "ok", `Uplink ${where}`);
}

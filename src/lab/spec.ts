/**
 * The simulated host of the lab, as data: which uplink, addresses, gateway,
 * and the exact commands that build it. Pure.
 *
 * Layout (inside the lab's own network namespace):
 *
 *     lab host ── eth0 (198.51.100.10/24, 2001:db8:1::10/64, default via .1)
 *                   │ veth
 *     netns lab-lan ── lan0 ─┐
 *                            lanbr (198.51.100.1/24 gateway, 2001:db8:1::1/64)
 *                  lanhost0 ─┘
 *                   │ veth
 *     netns lab-lanhost ── eth0 (198.51.100.20/24, 2001:db8:1::20/64): another LAN host
 *
 * @module
 */
import { inSubnet, parseAddress, parseCidr, subnetCidr } from "../../recipes/subnet.ts";
import { UsageError } from "../errors.ts";
import { checkLinkName } from "../names.ts";
import { quote } from "../quote.ts";
import { linkSysctlPath } from "../host/mod.ts";
import { addrArgv, neighArgv, routeArgv, ruleArgv } from "../steps/mod.ts";
import { LAB_NETNS, type LabSpec } from "./defaults.ts";

/**
 * Checks a lab spec: the gateway must be inside the uplink's subnet.
 * @param spec The spec.
 * @returns The same spec.
 * @throws {UsageError} For a bad name, CIDR or address (read strictly: no leading zeros, see
 *   `recipes/subnet.ts`), or a gateway outside the subnet.
 */
export function checkLabSpec(spec: LabSpec): LabSpec {
  checkLinkName(spec.uplink, "--uplink");
  const net = parseCidr(spec.address, "--address");
  if (!inSubnet(parseAddress(spec.gateway, "--gateway").toString(), subnetCidr(net.subnet))) {
    throw new UsageError(`--gateway ${quote(spec.gateway)} is not an address inside ${spec.address}`);
  }
  return spec;
}

/**
 * The commands that build the lab, in order, run inside the lab's fresh
 * network and mount namespaces.
 * @param spec The spec.
 * @returns One argv per command.
 */
export function labCommands(spec: LabSpec): string[][] {
  const plen = spec.address.split("/")[1];
  const plen6 = spec.address6.split("/")[1];
  const { lan, lanHost } = LAB_NETNS;
  const v6 = spec.address6 !== "";
  const noDad = ["sysctl", "-q", "-w", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0"];
  return [
    ["mount", "-t", "tmpfs", "-o", "mode=0755", "nsrecipe-lab-run", "/run"],
    ["mount", "-t", "sysfs", "nsrecipe-lab-sys", "/sys"],
    ["ip", "link", "set", "dev", "lo", "up"],
    // The simulated host's links are new but its addresses are not: skip duplicate address detection so
    // the lab is in a steady state at once (namespaces that recipes create keep the kernel's defaults).
    noDad,
    ["ip", "netns", "add", lan],
    ["ip", "netns", "add", lanHost],
    ["ip", "netns", "exec", lan, ...noDad],
    ["ip", "netns", "exec", lanHost, ...noDad],
    ["ip", "-n", lan, "link", "set", "dev", "lo", "up"],
    ["ip", "-n", lanHost, "link", "set", "dev", "lo", "up"],
    ["ip", "-n", lan, "link", "add", "dev", "lanbr", "type", "bridge", "stp_state", "0"],
    [
      "ip",
      "link",
      "add",
      "dev",
      spec.uplink,
      "address",
      spec.mac,
      ...(spec.mtu ? ["mtu", String(spec.mtu)] : []),
      "type",
      "veth",
      "peer",
      "name",
      "lan0",
      "netns",
      lan,
      ...(spec.mtu ? ["mtu", String(spec.mtu)] : []),
    ],
    ["ip", "-n", lan, "link", "add", "dev", "lanhost0", "type", "veth", "peer", "name", "eth0", "netns", lanHost],
    ["ip", "-n", lan, "link", "set", "dev", "lan0", "master", "lanbr"],
    ["ip", "-n", lan, "link", "set", "dev", "lanhost0", "master", "lanbr"],
    ["ip", "-n", lan, "link", "set", "dev", "lan0", "up"],
    ["ip", "-n", lan, "link", "set", "dev", "lanhost0", "up"],
    ["ip", "-n", lan, "link", "set", "dev", "lanbr", "up"],
    ["ip", "-n", lan, "addr", "add", `${spec.gateway}/${plen}`, "dev", "lanbr"],
    ["ip", "-n", lanHost, "link", "set", "dev", "eth0", "up"],
    ["ip", "-n", lanHost, "addr", "add", `${spec.lanHost}/${plen}`, "dev", "eth0"],
    ["ip", "-n", lanHost, "route", "add", "default", "via", spec.gateway, "dev", "eth0"],
    ...(v6
      ? [
        ["ip", "-n", lan, "addr", "add", `${spec.gateway6}/${plen6}`, "nodad", "dev", "lanbr"],
        ["ip", "-n", lanHost, "addr", "add", `${spec.lanHost6}/${plen6}`, "nodad", "dev", "eth0"],
        ["ip", "-n", lanHost, "-6", "route", "add", "default", "via", spec.gateway6, "dev", "eth0"],
      ]
      : []),
    ...(spec.sysctls?.length
      ? [["sysctl", "-q", "-w", ...spec.sysctls.map((x) => `${linkSysctlPath(x.tree, x.dev, x.name)}=${x.value}`)]]
      : []),
    ["ip", "link", "set", "dev", spec.uplink, "up"],
    ...(spec.uplinkAddrs ? spec.uplinkAddrs.map((a) => addrArgv("add", a, spec.uplink)) : plainAddrs(spec, v6)),
    ...(spec.uplinkRoutes
      ? spec.uplinkRoutes.map((r) => routeArgv("add", { ...r, dev: spec.uplink }))
      : plainRoutes(spec, v6)),
    ...(spec.rules ?? []).map((r) => ruleArgv("add", r)),
    ...(spec.neighbours ?? []).map((n) => neighArgv("replace", n, spec.uplink)),
  ];
}

/** The uplink's addresses of a lab without {@link LabSpec.uplinkAddrs}: `address`, `address6`, `extraAddrs`. */
function plainAddrs(spec: LabSpec, v6: boolean): string[][] {
  return [
    ["ip", "addr", "add", spec.address, "dev", spec.uplink],
    ...(v6 ? [["ip", "-6", "addr", "add", spec.address6, "nodad", "dev", spec.uplink]] : []),
    ...(spec.extraAddrs ?? []).map((a) => addrArgv("add", a, spec.uplink)),
  ];
}

/** The uplink's routes of a lab without {@link LabSpec.uplinkRoutes}: the defaults and `extraRoutes`. */
function plainRoutes(spec: LabSpec, v6: boolean): string[][] {
  return [
    ["ip", "route", "add", "default", "via", spec.gateway, "dev", spec.uplink, "metric", String(spec.metric)],
    ...(v6
      ? [[
        "ip",
        "-6",
        "route",
        "add",
        "default",
        "via",
        spec.gateway6,
        "dev",
        spec.uplink,
        "metric",
        String(spec.metric),
      ]]
      : []),
    ...(spec.extraRoutes ?? []).map((r) => routeArgv("add", { ...r, dev: spec.uplink })),
  ];
}

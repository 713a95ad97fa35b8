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
import {
  assertHostAddress,
  assertUsableSubnet,
  hostAddresses,
  hostAt,
  inSubnet,
  isHostAddress,
  parseAddress,
  parseCidr,
  type Subnet,
  subnetCidr,
} from "../../recipes/subnet.ts";
import { UsageError } from "../errors.ts";
import { checkLinkName } from "../names.ts";
import { quote } from "../quote.ts";
import { type LinkSysctl, linkSysctlPath } from "../host/mod.ts";
import { setAfterPorts } from "../../recipes/uplink_settings.ts";
import { addrArgv, neighArgv, routeArgv, ruleArgv } from "../steps/mod.ts";
import { batchLine } from "../engine/ip_batch.ts";
import { DEFAULT_LAB, LAB_MOUNT_SOURCE, LAB_NETNS, type LabSpec } from "./defaults.ts";

/** What `nsrecipe lab` takes on its command line; absent ones take {@link DEFAULT_LAB}'s or follow `address`. */
export interface LabOptions {
  /** `--uplink`: name of the simulated uplink. */
  uplink?: string;
  /** `--address`: the uplink's IPv4 address, CIDR. */
  address?: string;
  /** `--gateway`: the LAN gateway, inside `address`'s subnet. */
  gateway?: string;
}

/** Offset of the other LAN host in the default lab (198.51.100.20), kept wherever the subnet has room. */
const LAN_HOST_OFFSET = 20n;

/**
 * The lab a command line asks for: the LAN (its gateway and other host)
 * follows `--address`. Without `--gateway` the gateway is the subnet's first
 * host address that is not the uplink's; the other LAN host is the one at
 * offset 20 (198.51.100.20 in the default lab) or, where that is taken or
 * outside the subnet, the first free host address. IPv6 stays the default's
 * (2001:db8:1::/64). Pure.
 * @param o The options.
 * @returns The full spec, checked with {@link checkLabSpec}.
 * @throws {UsageError} For an invalid uplink name (`lo` among them, see `checkLinkName`); an address that is not an IPv4 CIDR, lies in a reserved
 *   range, is not a host address of its subnet, or leaves no room for a
 *   gateway and another host (a prefix longer than /29); a gateway outside
 *   the subnet, not a host address, or equal to the uplink's address.
 */
export function labSpecFromOptions(o: LabOptions): LabSpec {
  const uplink = o.uplink ?? DEFAULT_LAB.uplink;
  checkLinkName(uplink, "--uplink");
  const address = o.address ?? DEFAULT_LAB.address;
  // The lab's --address is the uplink's IPv4 address with its prefix: the default is the example.
  const net = parseCidr(address, "--address", DEFAULT_LAB.address);
  if (net.subnet.family !== 4) {
    throw new UsageError(
      `--address ${quote(address)} is IPv6; it takes the uplink's IPv4 address`,
      "For example: --address 192.0.2.10/24 (the lab's IPv6 LAN stays 2001:db8:1::/64).",
    );
  }
  assertUsableSubnet(net.subnet, "--address", address);
  assertHostAddress(net.local, net.subnet, "--address");
  const free = [...take(hostAddresses(net.subnet), 3)].filter((a) => a !== net.local);
  if (free.length < 2) {
    throw new UsageError(
      `--address ${address} leaves no room for the lab's LAN`,
      "The LAN needs the uplink, the gateway and another host: use a prefix of /29 or shorter.",
    );
  }
  const gateway = o.gateway ?? free[0];
  const gw = parseAddress(gateway, "--gateway").toString();
  if (!inSubnet(gw, subnetCidr(net.subnet))) {
    throw new UsageError(
      `--gateway ${quote(gateway)} is not an address inside ${address}`,
      `Choose a gateway in ${subnetCidr(net.subnet)}, e.g. ${free[0]}, or leave --gateway out.`,
    );
  }
  assertHostAddress(gw, net.subnet, "--gateway");
  if (gw === net.local) {
    throw new UsageError(`--gateway ${gw} is the uplink's own address`, `Choose another, e.g. ${free[0]}.`);
  }
  return checkLabSpec({
    ...DEFAULT_LAB,
    uplink,
    address,
    gateway: gw,
    lanHost: lanHostFor(net.subnet, [net.local, gw]),
  });
}

/** The lab's other LAN host: offset 20 when it is a free host address, else the first free one. */
function lanHostFor(s: Subnet, taken: readonly string[]): string {
  const preferred = hostAt(s, LAN_HOST_OFFSET);
  if (isHostAddress(preferred, s) && !taken.includes(preferred)) return preferred;
  for (const a of hostAddresses(s)) if (!taken.includes(a)) return a;
  throw new UsageError(`${subnetCidr(s)} has no address left for the lab's other LAN host`);
}

/** The first `n` values of an iterator. */
function* take<T>(it: Iterable<T>, n: number): Generator<T> {
  if (n <= 0) return;
  for (const v of it) {
    yield v;
    if (--n <= 0) return;
  }
}

/**
 * Checks a lab spec: the gateway and the other LAN host must be inside the
 * uplink's subnet, and the three addresses distinct.
 * @param spec The spec.
 * @returns The same spec.
 * @throws {UsageError} For a bad name, CIDR or address (read strictly: no leading zeros, see
 *   `recipes/subnet.ts`), a gateway or LAN host outside the subnet, or two equal addresses.
 */
export function checkLabSpec(spec: LabSpec): LabSpec {
  checkLinkName(spec.uplink, "--uplink");
  const net = parseCidr(spec.address, "--address");
  if (!inSubnet(parseAddress(spec.gateway, "--gateway").toString(), subnetCidr(net.subnet))) {
    throw new UsageError(`--gateway ${quote(spec.gateway)} is not an address inside ${spec.address}`);
  }
  if (!inSubnet(parseAddress(spec.lanHost, "The LAN host").toString(), subnetCidr(net.subnet))) {
    throw new UsageError(`The lab's LAN host ${quote(spec.lanHost)} is not an address inside ${spec.address}`);
  }
  const addrs = [net.local, spec.gateway, spec.lanHost];
  if (new Set(addrs).size !== addrs.length) {
    throw new UsageError(`The lab's uplink, gateway and LAN host need three addresses; got ${addrs.join(", ")}`);
  }
  return spec;
}

/**
 * The commands that build the lab, in order, run inside the lab's fresh
 * network and mount namespaces, each as one would type it. The `ip`
 * commands of one namespace come together, so that {@link labBuildCommands}
 * runs each such run of them as one `ip -batch`: the host's first links and
 * the named netns, the uplink (its peer in `lab-lan`), `lab-lan`'s bridge and
 * ports, `lab-lanhost`'s link and routes, then the uplink's settings,
 * addresses and routes. Each netns turns duplicate address detection off
 * before any link of its own is made (a link takes the netns's `default`
 * settings when it is made or moved in; ip-sysctl.rst, `accept_dad`).
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
    ["mount", "-t", "tmpfs", "-o", "mode=0755", LAB_MOUNT_SOURCE.run, "/run"],
    ["mount", "-t", "sysfs", LAB_MOUNT_SOURCE.sys, "/sys"],
    // The simulated host's links are new but its addresses are not: skip duplicate address detection so
    // the lab is in a steady state at once (namespaces that recipes create keep the kernel's defaults).
    noDad,
    ["ip", "link", "set", "dev", "lo", "up"],
    ["ip", "netns", "add", lan],
    ["ip", "netns", "add", lanHost],
    ["ip", "netns", "exec", lan, ...noDad],
    ["ip", "netns", "exec", lanHost, ...noDad],
    [
      "ip",
      "link",
      "add",
      "dev",
      spec.uplink,
      "address",
      spec.mac,
      ...(spec.mtu ? ["mtu", String(spec.mtu)] : []),
      ...(spec.group ? ["group", spec.group] : []),
      "type",
      "veth",
      "peer",
      "name",
      "lan0",
      "netns",
      lan,
      ...(spec.mtu ? ["mtu", String(spec.mtu)] : []),
    ],
    ["ip", "-n", lan, "link", "set", "dev", "lo", "up"],
    ["ip", "-n", lan, "link", "add", "dev", "lanbr", "type", "bridge", "stp_state", "0"],
    ["ip", "-n", lan, "link", "add", "dev", "lanhost0", "type", "veth", "peer", "name", "eth0", "netns", lanHost],
    ["ip", "-n", lan, "link", "set", "dev", "lan0", "master", "lanbr"],
    ["ip", "-n", lan, "link", "set", "dev", "lanhost0", "master", "lanbr"],
    ["ip", "-n", lan, "link", "set", "dev", "lan0", "up"],
    ["ip", "-n", lan, "link", "set", "dev", "lanhost0", "up"],
    ["ip", "-n", lan, "link", "set", "dev", "lanbr", "up"],
    ["ip", "-n", lan, "addr", "add", `${spec.gateway}/${plen}`, "dev", "lanbr"],
    ...(v6 ? [["ip", "-n", lan, "addr", "add", `${spec.gateway6}/${plen6}`, "nodad", "dev", "lanbr"]] : []),
    ["ip", "-n", lanHost, "link", "set", "dev", "lo", "up"],
    ["ip", "-n", lanHost, "link", "set", "dev", "eth0", "up"],
    ["ip", "-n", lanHost, "addr", "add", `${spec.lanHost}/${plen}`, "dev", "eth0"],
    ["ip", "-n", lanHost, "route", "add", "default", "via", spec.gateway, "dev", "eth0"],
    ...(v6
      ? [
        ["ip", "-n", lanHost, "addr", "add", `${spec.lanHost6}/${plen6}`, "nodad", "dev", "eth0"],
        ["ip", "-n", lanHost, "-6", "route", "add", "default", "via", spec.gateway6, "dev", "eth0"],
      ]
      : []),
    // Before the uplink comes up (addr_gen_mode, disable_ipv6 act when it does); see labLateCommands for the rest.
    ...sysctlCommand((spec.sysctls ?? []).filter((x) => !setAfterPorts(x))),
    ["ip", "link", "set", "dev", spec.uplink, "up"],
    ...(spec.uplinkAddrs ? spec.uplinkAddrs.map((a) => addrArgv("add", a, spec.uplink)) : plainAddrs(spec, v6)),
    ...(spec.uplinkRoutes
      ? spec.uplinkRoutes.map((r) => routeArgv("add", { ...r, dev: spec.uplink }))
      : plainRoutes(spec, v6)),
    ...(spec.rules ?? []).map((r) => ruleArgv("add", r)),
    ...(spec.neighbours ?? []).map((n) => neighArgv("replace", n, spec.uplink)),
  ];
}

/** One process that builds part of the lab: its argv, and the text on its stdin when it reads one. */
export interface LabCommand {
  /** The argv, e.g. `["ip", "-n", "lab-lan", "-batch", "-"]`. */
  argv: string[];
  /** The lines of an `ip -batch -`, each ending in a newline; absent for a command that reads nothing. */
  stdin?: string;
  /**
   * The commands it runs, as {@link labCommands} gives them: itself, or a
   * batch's, one per line in order (a failed line is told as its command).
   */
  commands: string[][];
}

/**
 * The lab's commands ({@link labCommands}) as the processes that run them:
 * each run of two or more consecutive `ip` commands that go in the same
 * batch (the same namespace and family options, see `batchLine` in
 * src/engine/ip_batch.ts) becomes one `ip [-n NS] -batch -` reading their
 * lines, in order; every other command runs as it is. `ip netns exec` stays
 * a process of its own (in a batch, ip(8) would run the command in a child
 * of the batch). A batch stops at its first failing line and exits 1, with
 * iproute2's message and `Command failed -:N` on stderr, as the command
 * alone would have failed. The lab is the same; it costs about a dozen
 * processes instead of some thirty. Pure.
 * @param spec The spec.
 * @returns The commands, in order.
 */
export function labBuildCommands(spec: LabSpec): LabCommand[] {
  return batchRuns(labCommands(spec));
}

/**
 * Groups consecutive `ip` commands of the same batch into `ip -batch -` (see {@link labBuildCommands}). Pure.
 * @param commands The commands, in order.
 * @returns The processes, in order.
 */
export function batchRuns(commands: readonly string[][]): LabCommand[] {
  const out: LabCommand[] = [];
  let run: { batch: string[]; argv: string[][]; lines: string[] } | undefined;
  const flush = () => {
    if (!run) return;
    out.push(
      run.argv.length === 1
        ? { argv: run.argv[0], commands: run.argv }
        : { argv: [...run.batch, "-batch", "-"], stdin: run.lines.map((l) => `${l}\n`).join(""), commands: run.argv },
    );
    run = undefined;
  };
  for (const argv of commands) {
    const line = argv[1] === "netns" && argv[2] === "exec" ? undefined : batchLine(argv);
    if (line && run && run.batch.join(" ") === line.batch.join(" ")) {
      run.argv.push([...argv]);
      run.lines.push(line.words.join(" "));
      continue;
    }
    flush();
    if (line) run = { batch: line.batch, argv: [[...argv]], lines: [line.words.join(" ")] };
    else out.push({ argv: [...argv], commands: [[...argv]] });
  }
  flush();
  return out;
}

/**
 * The commands that finish the lab once its uplink is operationally `UP`:
 * the uplink's settings the kernel resets when it handles the link's carrier
 * (see `SET_AFTER_PORTS` in recipes/uplink_settings.ts, `waitOperUp`).
 * @param spec The spec.
 * @returns One argv per command (none when there is no such setting).
 */
export function labLateCommands(spec: LabSpec): string[][] {
  return sysctlCommand((spec.sysctls ?? []).filter(setAfterPorts));
}

/** One `sysctl -w` writing the given per-interface settings, or none for none. */
function sysctlCommand(sysctls: readonly LinkSysctl[]): string[][] {
  if (sysctls.length === 0) return [];
  return [["sysctl", "-q", "-w", ...sysctls.map((x) => `${linkSysctlPath(x.tree, x.dev, x.name)}=${x.value}`)]];
}

/** The uplink's addresses of a lab without {@link LabSpec.uplinkAddrs}: `address`, `address6`, `extraAddrs`. */
function plainAddrs(spec: LabSpec, v6: boolean): string[][] {
  return [
    ["ip", "addr", "add", spec.address, "dev", spec.uplink],
    ...(v6 ? [["ip", "addr", "add", spec.address6, "nodad", "dev", spec.uplink]] : []),
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

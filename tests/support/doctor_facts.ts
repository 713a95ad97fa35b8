/**
 * Hand-made doctor facts for unit tests: a healthy host shaped like the lab
 * (uplink `eth0` = 198.51.100.10/24, defaults via .1 and 2001:db8:1::1),
 * overridden per test.
 *
 * @module
 */
import type { DoctorFacts, Source } from "../../src/doctor/mod.ts";
import { EMPTY_FACTS, type HostFacts, type IpAddrInfo, type IpLink } from "../../src/host/mod.ts";

/**
 * A readable source.
 * @param value Its text or value.
 * @returns The source.
 */
export function text<T = string>(value: T): Source<T> {
  return { ok: true, value };
}

/**
 * An unreadable source.
 * @param reason Why.
 * @returns The source.
 */
export function missing<T = string>(reason = "No such file or directory"): Source<T> {
  return { ok: false, reason };
}

/** `/proc/self/status` of root with every capability. */
export const ROOT_STATUS = "Name:\tcat\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nCapInh:\t0000000000000000\n" +
  "CapPrm:\t000001ffffffffff\nCapEff:\t000001ffffffffff\nCapBnd:\t000001ffffffffff\n";

/**
 * A link as `ip -json -details link` shows it.
 * @param ifname Name.
 * @param ifindex Index.
 * @param kind `linkinfo.info_kind`, if any.
 * @param extra More fields.
 * @returns The link.
 */
export function link(ifname: string, ifindex: number, kind?: string, extra: Partial<IpLink> = {}): IpLink {
  return {
    ifindex,
    ifname,
    flags: ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"],
    mtu: 1500,
    operstate: "UP",
    link_type: "ether",
    ...(kind ? { linkinfo: { info_kind: kind } } : {}),
    ...extra,
  };
}

/**
 * An IPv4 address entry.
 * @param local Address.
 * @param prefixlen Prefix length.
 * @param extra Flags and lifetimes.
 * @returns The entry.
 */
export function addr4(local: string, prefixlen: number, extra: Partial<IpAddrInfo> = {}): IpAddrInfo {
  return {
    family: "inet",
    local,
    prefixlen,
    scope: "global",
    valid_life_time: 4294967295,
    preferred_life_time: 4294967295,
    ...extra,
  };
}

/**
 * Host facts of the lab host: `lo` and the veth uplink `eth0` with both defaults.
 * @param over Overrides.
 * @returns Host facts.
 */
export function labHost(over: Partial<HostFacts> = {}): HostFacts {
  return {
    ...EMPTY_FACTS,
    links: [
      { ifindex: 1, ifname: "lo", flags: ["LOOPBACK", "UP", "LOWER_UP"], mtu: 65536, operstate: "UNKNOWN" },
      link("eth0", 2, "veth"),
    ],
    addrs: [{ ifname: "eth0", addr_info: [addr4("198.51.100.10", 24)] }],
    routes4: [{ dst: "default", gateway: "198.51.100.1", dev: "eth0", metric: 100, flags: [] }],
    routes6: [{ dst: "default", gateway: "2001:db8:1::1", dev: "eth0", metric: 100, flags: [] }],
    ...over,
  };
}

/** `nft -j list ruleset` with no tables. */
export const EMPTY_RULESET = '{"nftables": [{"metainfo": {"version": "1.0.6", "json_schema_version": 1}}]}';

/**
 * Doctor facts of a healthy host, with overrides.
 * @param over Overrides (top level; nested objects replace whole).
 * @returns The facts.
 */
export function doctorFacts(over: Partial<DoctorFacts> = {}): DoctorFacts {
  return {
    procStatus: text(ROOT_STATUS),
    ipVersion: text("ip utility, iproute2-6.1.0, libbpf 1.1.2\n"),
    unshareVersion: text("unshare from util-linux 2.38.1\n"),
    host: text(labHost()),
    uplinkFiles: { dev: "eth0", ifindex: 2, nmDevice: missing(), networkdLink: missing(), ifstateDev: missing() },
    managers: {
      networkManager: text(false),
      networkd: text(false),
      ifstate: missing(),
      interfaces: missing(),
    },
    kernel: {
      release: text("6.1.0-18-amd64\n"),
      sysModule: { veth: text(false), bridge: text(true) },
      procModules: missing(),
      config: missing(),
      modulesBuiltin: missing(),
      modulesDep: missing(),
    },
    netfilter: {
      nft: text(EMPTY_RULESET),
      iptables: missing("'iptables' was not found in PATH"),
      ip6tables: missing("'ip6tables' was not found in PATH"),
      bridgeNfIptables: missing("sysctl: cannot stat /proc/sys/net/bridge/bridge-nf-call-iptables"),
      bridgeNfIp6tables: missing("sysctl: cannot stat /proc/sys/net/bridge/bridge-nf-call-ip6tables"),
    },
    ...over,
  };
}

/** Every doctor check id, in the order doctor reports them (the expected value of the tests). */
export const CHECK_IDS: readonly string[] = [
  "privileges",
  "ip",
  "unshare",
  "kernel-veth",
  "kernel-bridge",
  "uplink",
  "wireless",
  "dhcp",
  "network-manager",
  "uplink-refs",
  "forward",
  "netns-name",
  "bridge-name",
];

/**
 * The shapes `nsrecipe doctor` works with: the gathered facts (raw text of
 * the files and command outputs the checks read), the context a check is
 * evaluated in, and the finding it returns. Pure data.
 *
 * @module
 */
import type { HostFacts } from "../host/mod.ts";

/** How a check came out: fine, worth a look, or a reason to refuse. */
export type Verdict = "ok" | "warn" | "fail";

/** One check's result. */
export interface Finding {
  /** Stable identifier, e.g. `dhcp`, `forward`, `netns-name`. */
  id: string;
  /** The verdict. */
  verdict: Verdict;
  /** One line of prose: what was found, quoting the subject. */
  summary: string;
  /**
   * When not ok: what to do, with exact commands (may span several lines). A line of prose starts with a capital
   * letter and quotes the commands it names (`'nft list table inet nsr-web'`); any other line is a command to copy
   * as it is (`ip addr change …`). `doctor`'s text wraps the prose to the terminal and never a command
   * (`src/cli/wrap.ts`).
   */
  fix?: string;
}

/**
 * Something the gatherer read: the text (or value), or why it could not be
 * read (`'nft' was not found in PATH`, `No such file or directory`, …).
 *
 * @typeParam T The value, a string by default (a file's or a command's output).
 */
export type Source<T = string> = { ok: true; value: T } | { ok: false; reason: string };

/** Kernel facts for the veth and bridge checks. */
export interface KernelFacts {
  /** `/proc/sys/kernel/osrelease`, e.g. `6.1.0-18-amd64`. */
  release: Source;
  /** Whether `/sys/module/NAME` is a directory (loaded, or built in with parameters or a version). */
  sysModule: { veth: Source<boolean>; bridge: Source<boolean> };
  /** `/proc/modules` (absent when the kernel has no loadable modules). */
  procModules: Source;
  /** The kernel configuration: `/proc/config.gz` (through `gzip -dc`) or `/boot/config-RELEASE`. */
  config: Source;
  /** `/lib/modules/RELEASE/modules.builtin`. */
  modulesBuiltin: Source;
  /** `/lib/modules/RELEASE/modules.dep` (the loadable modules). */
  modulesDep: Source;
}

/** The uplink's entries in the state of the network managers, read for one device. */
export interface UplinkFiles {
  /** The device these entries are for. */
  dev: string;
  /** Its interface index (the managers name their files by it). */
  ifindex: number;
  /** `/run/NetworkManager/devices/IFINDEX`, NetworkManager's device state keyfile. */
  nmDevice: Source;
  /** `/run/systemd/netif/links/IFINDEX`, systemd-networkd's link state. */
  networkdLink: Source;
  /** `/run/network/ifstate.DEV`, ifupdown's per-interface state (ifupdown ≥ 0.8). */
  ifstateDev: Source;
}

/** What is known about network managers on the host, independent of the uplink. */
export interface ManagerFacts {
  /** `/run/NetworkManager/devices` is a directory: NetworkManager ran in this boot. */
  networkManager: Source<boolean>;
  /** `/run/systemd/netif/links` is a directory: systemd-networkd ran in this boot. */
  networkd: Source<boolean>;
  /** `/run/network/ifstate` (ifupdown < 0.8: one `IFACE=LOGICAL` line per configured interface). */
  ifstate: Source;
  /** `/etc/network/interfaces`, ifupdown's configuration. */
  interfaces: Source;
}

/** Netfilter state of the host's network namespace. */
export interface NetfilterFacts {
  /** `nft -j list ruleset` (JSON, see libnftables-json(5)). */
  nft: Source;
  /** `iptables -S` (filter table, every chain). */
  iptables: Source;
  /** `ip6tables -S`. */
  ip6tables: Source;
  /**
   * The tools (`iptables`, `ip6tables`) whose nf_tables variant said on stderr that iptables-legacy tables are
   * present in this namespace (`# Warning: iptables-legacy tables present, use iptables-legacy to see them`): their
   * rules are not in its `-S` listing nor in the nftables ruleset, and nsrecipe does not read them. Absent: none said.
   */
  legacyTables?: ("iptables" | "ip6tables")[];
  /** `sysctl -n net.bridge.bridge-nf-call-iptables`; not ok when br_netfilter is not loaded. */
  bridgeNfIptables: Source;
  /** `sysctl -n net.bridge.bridge-nf-call-ip6tables`. */
  bridgeNfIp6tables: Source;
}

/**
 * Everything the doctor's checks read, gathered once by `gatherDoctorFacts`
 * so that every check is a pure function of it.
 */
export interface DoctorFacts {
  /** `/proc/self/status` as read by `cat` (a process nsrecipe spawns: its uid and capabilities are theirs). */
  procStatus: Source;
  /** `ip -V`. */
  ipVersion: Source;
  /** `unshare --version`. */
  unshareVersion: Source;
  /** Links, addresses, routes, netns (`ip -json`); not ok when `ip` fails. */
  host: Source<HostFacts>;
  /** The `--uplink` asked for, if any. */
  uplinkRequested?: string;
  /** The uplink's network-manager entries, when there is an uplink. */
  uplinkFiles?: UplinkFiles;
  /** Network managers. */
  managers: ManagerFacts;
  /** Kernel support. */
  kernel: KernelFacts;
  /** Netfilter. */
  netfilter: NetfilterFacts;
}

/** What a check is evaluated for. */
export interface CheckContext {
  /**
   * Whether the run about to start enslaves the uplink to a bridge (a
   * recipe's {@link HostNeeds.movesUplink}: full-migrate), so the uplink,
   * wireless and DHCP checks judge strictly; `false` for a run that leaves the
   * uplink alone; `undefined` for `nsrecipe doctor`, which judges the host for
   * every recipe (a wireless uplink fails, since full-migrate cannot use it;
   * DHCP only warns, since `--force` accepts it).
   */
  movesUplink?: boolean;
  /** The netns name to check (`--name`), if given. */
  netns?: string;
  /** The bridge name to check (`--bridge`), if given. */
  bridge?: string;
  /**
   * The nftables table (family `inet`) that `veth-bridge --nat` would create
   * for the `--name` given (recipes' `natTable`), if any: one that exists
   * already refuses such a run.
   */
  natTable?: string;
  /**
   * The nftables tables (family `inet`) of nsrecipe's own `veth-bridge --nat` runs the journal holds, each with its
   * run's name: their rules naming the uplink are said as those runs' (undo them and run them again), not as the
   * admin's to edit.
   */
  ownNatTables?: ReadonlyMap<string, string>;
  /** `--force` given (full-migrate accepts DHCP-managed addresses; a forward drop that defeats the run is accepted). */
  force?: boolean;
  /** The run routes the namespace's traffic out of the bridge (veth-bridge `--nat`), so a forward drop of routed traffic defeats it. */
  routes?: boolean;
}

/**
 * Builds a finding.
 * @param id The check's id.
 * @param verdict The verdict.
 * @param summary One line.
 * @param fix What to do (omitted when `undefined`).
 * @returns The finding.
 * @example
 * ```ts
 * finding("uplink", "warn", "No default route", "Give --uplink DEV.");
 * ```
 */
export function finding(id: string, verdict: Verdict, summary: string, fix?: string): Finding {
  return fix === undefined ? { id, verdict, summary } : { id, verdict, summary, fix };
}

/**
 * The text of a source, or `undefined` when it could not be read.
 * @param s A source.
 * @returns The text or `undefined`.
 */
export function textOf(s: Source): string | undefined {
  return s.ok ? s.value : undefined;
}

/**
 * Gathers what the doctor's checks read, through the {@link Runner} only and
 * with read-only commands: `ip -json` (via `gatherFacts`), `cat` for files
 * (Deno grants no access to `/proc` and `/sys` short of `--allow-all`),
 * `test -d` for directories (or, through a {@link PathLook} that reads
 * several paths in one process, one `head` and one `stat` for them), `sysctl`, `gzip -dc /proc/config.gz`,
 * `nft -j list ruleset`, `iptables -S`, `ip6tables -S`, `ip -V` and
 * `unshare --version`. A source that cannot be read (program missing, file
 * absent, permission denied) is recorded with its reason, never thrown, so the
 * checks can say "not checked".
 *
 * @module
 */
import { CommandError } from "../errors.ts";
import type { Runner } from "../exec/mod.ts";
import { type FORWARD_SYSCTLS, gatherFacts, type HostFacts, type KnownNetns, readForwardSysctls } from "../host/mod.ts";
import type { DoctorFacts, KernelFacts, ManagerFacts, NetfilterFacts, Source, UplinkFiles } from "./types.ts";
import { bridgeNfDecides } from "./forward.ts";
import { PATH_READ_TIMEOUT_MS } from "../host/path_reads.ts";
import { resolveUplink } from "./uplink.ts";

/**
 * The groups of facts besides the host's own (links, addresses, routes,
 * which are always read: plans are made from them): each check reads some
 * (see `FACTS_READ` in checks.ts), so `run` gathers only what its recipe's
 * checks read.
 */
export type FactGroup =
  | "procStatus"
  | "ipVersion"
  | "unshareVersion"
  | "managers"
  | "kernel"
  | "netfilter"
  | "uplinkFiles";

/** Options of {@link gatherDoctorFacts}. */
export interface GatherOptions {
  /** `--uplink`: the link to check instead of the device of the default route. */
  uplink?: string;
  /**
   * Only these groups (the others read as not gathered); default every group, as `nsrecipe doctor` needs. With
   * groups (a run's checks), a source is read only when it can change a verdict: the bridge netfilter settings only
   * when a forward chain they decide about drops.
   */
  groups?: ReadonlySet<FactGroup>;
  /** Read the uplink's kind and per-interface settings (`GatherOptions.linkSettings`); default `true`. */
  linkSettings?: boolean;
  /** Read what only a plan that wires links looks at (`GatherOptions.wiring` of `gatherFacts`); default `true`. */
  wiring?: boolean;
  /** Read IPv4 forwarding for the plan (`GatherOptions.forwarding` of `gatherFacts`); default `true`. */
  forwarding?: boolean;
  /** Namespaces whose addresses are known already (`GatherOptions.knownNetns` of `gatherFacts`): not entered. */
  knownNetns?: ReadonlyMap<string, KnownNetns>;
  /**
   * How files (`/proc/self/status`, the network managers' state) are read and directories (`/sys/module/NAME`,
   * the managers' state directories) looked at; default one process each ({@link readFileVia}, {@link isDirVia}).
   * `run` and `doctor` answer them from reads of several paths in one process (`src/cli/own_path_look.ts`).
   */
  paths?: PathLook;
}

/** How the gatherer reads a file and asks whether a path is a directory. */
export interface PathLook {
  /** A file's text, or why it could not be read. */
  file(path: string): Promise<Source>;
  /** Whether a path is a directory; not ok when that could not be told. */
  isDir(path: string): Promise<Source<boolean>>;
  /**
   * Starts reading these paths together, before they are asked one by one (optional). A reader that reads several
   * paths in one process (`src/cli/process_facts.ts`: one head(1) for the files, one stat(1) for the directories)
   * then answers the asks that follow without a process of their own; without it each ask is its own read.
   */
  ahead?(paths: { files?: readonly string[]; dirs?: readonly string[] }): void;
}

/**
 * The directories whose presence says a network manager keeps runtime state
 * on this host: NetworkManager's per-device state (named by ifindex) and
 * systemd-networkd's per-link state (named by ifindex).
 */
export const MANAGER_DIRS = {
  networkManager: "/run/NetworkManager/devices",
  networkd: "/run/systemd/netif/links",
} as const;

/**
 * ifupdown's files: the interfaces it has brought up (`ifstate`, one
 * `IFACE=LOGICAL` line each) and its configuration (interfaces(5)).
 */
export const MANAGER_FILES = {
  ifstate: "/run/network/ifstate",
  interfaces: "/etc/network/interfaces",
} as const;

/**
 * The file the privileges check reads: the status of the process reading it
 * (proc(5)), a child of nsrecipe like `ip` and `unshare`.
 */
export const PROC_STATUS_PATH = "/proc/self/status";

/** The kernel features the kernel checks look for, and where each is seen loaded or built in. */
export const KERNEL_MODULE_DIRS: Readonly<Record<"veth" | "bridge", string>> = {
  veth: "/sys/module/veth",
  bridge: "/sys/module/bridge",
};

const ANY_CODE = Array.from({ length: 256 }, (_, i) => i);

function reasonOf(stderr: string, code: number, prefix?: string): string {
  let line = stderr.split("\n").find((l) => l.trim() !== "")?.trim() ?? "";
  if (prefix && line.startsWith(prefix)) line = line.slice(prefix.length);
  return line || `exit ${code}`;
}

/**
 * Runs a read-only command and keeps its stdout, or why it failed.
 * @param run The process seam.
 * @param argv The command.
 * @param timeoutMs Kill it after this many ms (its reason then says it timed out); default: no bound.
 * @returns Its stdout when it exits 0; else the first line of its stderr
 *   (or `exit N`); `'P' was not found in PATH` when the program is missing.
 * @throws {Deno.errors.NotCapable} When the permission set lacks the program (a bug).
 */
export async function readCommand(run: Runner, argv: readonly string[], timeoutMs?: number): Promise<Source> {
  return (await readWithStderr(run, argv, timeoutMs)).source;
}

/** {@link readCommand}, with the command's stderr (`""` when it could not be started) for a caller that reads it. */
async function readWithStderr(
  run: Runner,
  argv: readonly string[],
  timeoutMs?: number,
): Promise<{ source: Source; stderr: string }> {
  try {
    const r = await run(argv, { okCodes: ANY_CODE, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
    const source: Source = r.code === 0
      ? { ok: true, value: r.stdout }
      : { ok: false, reason: reasonOf(r.stderr, r.code) };
    return { source, stderr: r.stderr };
  } catch (e) {
    if (e instanceof CommandError) return { source: { ok: false, reason: e.stderr || e.message }, stderr: "" };
    throw e;
  }
}

/**
 * Reads a file with `cat`.
 * @param run The process seam.
 * @param path An absolute path, e.g. `/proc/self/status`.
 * @returns Its text, or the reason (`No such file or directory`, …).
 */
export async function readFileVia(run: Runner, path: string): Promise<Source> {
  // Bounded as the readers of several paths are: a FIFO in a file's place would block cat forever.
  const s = await readCommand(run, ["cat", "--", path], PATH_READ_TIMEOUT_MS);
  return s.ok ? s : { ok: false, reason: s.reason.replace(`cat: ${path}: `, "") };
}

/**
 * Whether a path is a directory, with `test -d` (test(1)).
 * @param run The process seam.
 * @param path An absolute path.
 * @returns `true` or `false`; not ok when `test` itself failed.
 */
export async function isDirVia(run: Runner, path: string): Promise<Source<boolean>> {
  try {
    const r = await run(["test", "-d", path], { okCodes: ANY_CODE });
    if (r.code === 0 || r.code === 1) return { ok: true, value: r.code === 0 };
    return { ok: false, reason: reasonOf(r.stderr, r.code) };
  } catch (e) {
    if (e instanceof CommandError) return { ok: false, reason: e.stderr || e.message };
    throw e;
  }
}

async function gatherHost(run: Runner, opts: GatherOptions): Promise<Source<HostFacts>> {
  const { uplink, linkSettings, wiring, forwarding, knownNetns } = opts;
  try {
    return { ok: true, value: await gatherFacts(run, { uplink, linkSettings, wiring, forwarding, knownNetns }) };
  } catch (e) {
    if (e instanceof CommandError) return { ok: false, reason: `'ip' failed: ${e.stderr || e.message}` };
    throw e;
  }
}

async function gatherKernel(run: Runner, host: HostFacts | undefined, paths: PathLook): Promise<KernelFacts> {
  const inUse = (kind: string) => host?.links.some((l) => l.linkinfo?.info_kind === kind) === true;
  const sysModule = (kind: "veth" | "bridge"): Promise<Source<boolean>> =>
    inUse(kind)
      ? Promise.resolve({ ok: false, reason: `not read: a ${kind} link is in use` })
      : paths.isDir(KERNEL_MODULE_DIRS[kind]);
  const [veth, bridge] = await Promise.all([sysModule("veth"), sysModule("bridge")]);
  const confirmed = (kind: string, s: Source<boolean>) => inUse(kind) || (s.ok && s.value);
  if (confirmed("veth", veth) && confirmed("bridge", bridge)) {
    const enough = { ok: false as const, reason: "not read: both features are in use or in /sys/module" };
    return {
      release: enough,
      sysModule: { veth, bridge },
      procModules: enough,
      config: enough,
      modulesBuiltin: enough,
      modulesDep: enough,
    };
  }
  const release = await readFileVia(run, "/proc/sys/kernel/osrelease");
  const rel = release.ok ? release.value.trim() : "";
  const [procModules, configGz, modulesBuiltin, modulesDep] = await Promise.all([
    readFileVia(run, "/proc/modules"),
    readCommand(run, ["gzip", "-dc", "/proc/config.gz"]),
    rel ? readFileVia(run, `/lib/modules/${rel}/modules.builtin`) : release,
    rel ? readFileVia(run, `/lib/modules/${rel}/modules.dep`) : release,
  ]);
  const config = configGz.ok || !rel ? configGz : await readFileVia(run, `/boot/config-${rel}`);
  return { release, sysModule: { veth, bridge }, procModules, config, modulesBuiltin, modulesDep };
}

async function gatherManagers(paths: PathLook): Promise<ManagerFacts> {
  paths.ahead?.({ dirs: Object.values(MANAGER_DIRS), files: Object.values(MANAGER_FILES) });
  const [networkManager, networkd, ifstate, interfaces] = await Promise.all([
    paths.isDir(MANAGER_DIRS.networkManager),
    paths.isDir(MANAGER_DIRS.networkd),
    paths.file(MANAGER_FILES.ifstate),
    paths.file(MANAGER_FILES.interfaces),
  ]);
  return { networkManager, networkd, ifstate, interfaces };
}

/**
 * The network managers' state files of one link: NetworkManager's and
 * systemd-networkd's, named by its ifindex, and ifupdown's `ifstate.DEV`.
 * @param dev The link, e.g. `eth0`.
 * @param ifindex Its interface index, e.g. `2`.
 * @returns e.g. `{ nmDevice: "/run/NetworkManager/devices/2", networkdLink: "/run/systemd/netif/links/2",
 *   ifstateDev: "/run/network/ifstate.eth0" }`.
 */
export function uplinkStateFiles(
  dev: string,
  ifindex: number,
): { nmDevice: string; networkdLink: string; ifstateDev: string } {
  return {
    nmDevice: `${MANAGER_DIRS.networkManager}/${ifindex}`,
    networkdLink: `${MANAGER_DIRS.networkd}/${ifindex}`,
    ifstateDev: `${MANAGER_FILES.ifstate}.${dev}`,
  };
}

async function gatherUplinkFiles(paths: PathLook, dev: string, ifindex: number): Promise<UplinkFiles> {
  const at = uplinkStateFiles(dev, ifindex);
  const files = [at.nmDevice, at.networkdLink, at.ifstateDev];
  paths.ahead?.({ files });
  const [nmDevice, networkdLink, ifstateDev] = await Promise.all(files.map((f) => paths.file(f)));
  return { dev, ifindex, nmDevice, networkdLink, ifstateDev };
}

/** What iptables-nft says on stderr when the namespace also holds iptables-legacy tables (iptables-nft(8)). */
const LEGACY_PRESENT = /iptables-legacy tables present/;

/**
 * `iptables -S` or `ip6tables -S` ({@link readCommand}), noting in `legacy` a
 * tool whose nf_tables variant warned that iptables-legacy tables are present
 * too (it lists only its own rules, and exits 0).
 */
async function readIptables(
  run: Runner,
  tool: "iptables" | "ip6tables",
  legacy: ("iptables" | "ip6tables")[],
): Promise<Source> {
  const { source, stderr } = await readWithStderr(run, [tool, "-S"]);
  if (LEGACY_PRESENT.test(stderr)) legacy.push(tool);
  return source;
}

/**
 * The netfilter sources of the forward and uplink-refs checks. `lazy` (a
 * run's checks): the bridge netfilter settings are read only when they can
 * change the forward check's verdict ({@link bridgeNfDecides}), after the
 * rules; otherwise beside them, as `nsrecipe doctor` reports them whatever
 * the rules say.
 */
async function gatherNetfilter(run: Runner, lazy: boolean): Promise<NetfilterFacts> {
  // The host facts read ip_forward with them when a plan needs it: one process (src/host/forward_sysctls.ts).
  const ahead = lazy ? undefined : readForwardSysctls(run);
  const legacyTables: ("iptables" | "ip6tables")[] = [];
  const [nft, iptables, ip6tables] = await Promise.all([
    readCommand(run, ["nft", "-j", "list", "ruleset"]),
    readIptables(run, "iptables", legacyTables),
    readIptables(run, "ip6tables", legacyTables),
  ]);
  const sysctls = ahead
    ? await ahead
    : bridgeNfDecides({ nft, iptables, ip6tables })
    ? await readForwardSysctls(run)
    : { ok: false as const, reason: "not read: no forward chain of the ip, ip6 or inet family drops" };
  const setting = (key: (typeof FORWARD_SYSCTLS)[number]): Source => {
    if (!sysctls.ok) return sysctls;
    const value = sysctls.values.get(key);
    return value === undefined ? { ok: false, reason: `${key} does not exist (br_netfilter is not loaded)` } : {
      ok: true,
      value,
    };
  };
  return {
    nft,
    iptables,
    ip6tables,
    ...(legacyTables.length > 0 ? { legacyTables: legacyTables.sort() } : {}),
    bridgeNfIptables: setting("net.bridge.bridge-nf-call-iptables"),
    bridgeNfIp6tables: setting("net.bridge.bridge-nf-call-ip6tables"),
  };
}

/**
 * Gathers every fact the doctor's checks read. Read-only: it creates,
 * loads and changes nothing.
 *
 * @param run The process seam (the lab's runner in tests).
 * @param opts The uplink to look at, when not the default route's device.
 * @returns The facts; sources that could not be read carry their reason.
 * @throws {Deno.errors.NotCapable} When the permission set lacks a program it runs (a bug).
 * @example
 * ```ts ignore
 * const facts = await gatherDoctorFacts(realRunner(), { uplink: "eth0" });
 * ```
 */
export async function gatherDoctorFacts(run: Runner, opts: GatherOptions = {}): Promise<DoctorFacts> {
  const wanted = (group: FactGroup) => opts.groups === undefined || opts.groups.has(group);
  const skipped = { ok: false as const, reason: "not gathered: no check asked for it" };
  const paths = opts.paths ?? { file: (p: string) => readFileVia(run, p), isDir: (p: string) => isDirVia(run, p) };
  // The fixed paths of the groups wanted, read together where the reader can; the managers' files apart (a FIFO in
  // a file's place holds its read to the bound, PATH_READ_TIMEOUT_MS), the uplink's once the host's read named it.
  paths.ahead?.({
    files: wanted("procStatus") ? [PROC_STATUS_PATH] : [],
    dirs: [
      ...wanted("kernel") ? Object.values(KERNEL_MODULE_DIRS) : [],
      ...wanted("managers") ? Object.values(MANAGER_DIRS) : [],
    ],
  });
  const [procStatus, ipVersion, unshareVersion, host, managers, netfilter] = await Promise.all([
    wanted("procStatus") ? paths.file(PROC_STATUS_PATH) : skipped,
    wanted("ipVersion") ? readCommand(run, ["ip", "-V"]) : skipped,
    wanted("unshareVersion") ? readCommand(run, ["unshare", "--version"]) : skipped,
    gatherHost(run, opts),
    wanted("managers")
      ? gatherManagers(paths)
      : { networkManager: skipped, networkd: skipped, ifstate: skipped, interfaces: skipped },
    wanted("netfilter") ? gatherNetfilter(run, opts.groups !== undefined) : {
      nft: skipped,
      iptables: skipped,
      ip6tables: skipped,
      bridgeNfIptables: skipped,
      bridgeNfIp6tables: skipped,
    },
  ]);
  // The kernel's support is read only as far as needed: a feature already in use (a link of its kind) or
  // present in /sys/module needs no configuration or module list.
  const kernel = wanted("kernel") ? await gatherKernel(run, host.ok ? host.value : undefined, paths) : {
    release: skipped,
    sysModule: { veth: skipped, bridge: skipped },
    procModules: skipped,
    config: skipped,
    modulesBuiltin: skipped,
    modulesDep: skipped,
  };
  const up = host.ok ? resolveUplink(host.value, opts.uplink) : undefined;
  const uplinkFiles = up?.link && wanted("uplinkFiles")
    ? await gatherUplinkFiles(paths, up.dev, up.link.ifindex)
    : undefined;
  return {
    procStatus,
    ipVersion,
    unshareVersion,
    host,
    ...(opts.uplink === undefined ? {} : { uplinkRequested: opts.uplink }),
    ...(uplinkFiles ? { uplinkFiles } : {}),
    managers,
    kernel,
    netfilter,
  };
}

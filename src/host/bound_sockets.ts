/**
 * Sockets bound to a link by name (`SO_BINDTODEVICE`, socket(7)): keepalived's
 * VRRP socket, dnsmasq and DHCP servers with `bind-interfaces`, `ping -I eth0`
 * monitors. The kernel delivers a packet to such a socket only when it
 * arrived on that very link (`sk_bound_dev_if` against the input interface,
 * net/ipv4/udp.c `compute_score`); once the uplink is a bridge port, packets
 * for the host enter on the bridge, so these sockets stop receiving while the
 * host looks fine. `ss` shows them as `ADDR%DEV:PORT` (ss(8)).
 *
 * @module
 */
import { CommandError } from "../errors.ts";
import type { Runner } from "../exec/mod.ts";

/** One socket bound to a link by name, as `ss -H -a -n -p -t -u -w` lists it. */
export interface BoundSocket {
  /** `tcp`, `udp` or `raw`. */
  netid: string;
  /** The local address as ss prints it, e.g. `*%eth0:5000` or `[::]%eth0:547`. */
  local: string;
  /** The link it is bound to, e.g. `eth0`. */
  dev: string;
  /** The processes holding it, e.g. `keepalived (pid 812)`; `[]` when ss could not tell. */
  processes: string[];
}

/**
 * Parses `ss -H -a -n -p -t -u -w` output: one socket a line, `Netid State
 * Recv-Q Send-Q Local Peer [users:(("NAME",pid=N,fd=F),…)]`; keeps the
 * sockets whose local address names a link (`%DEV`).
 * @param stdout ss's output.
 * @returns The bound sockets, in ss's order.
 * @example
 * ```ts
 * parseBoundSockets('udp UNCONN 0 0 *%eth0:5000 *:* users:(("dnsmasq",pid=9,fd=4))');
 * // [{ netid: "udp", local: "*%eth0:5000", dev: "eth0", processes: ["dnsmasq (pid 9)"] }]
 * ```
 */
export function parseBoundSockets(stdout: string): BoundSocket[] {
  const out: BoundSocket[] = [];
  for (const line of stdout.split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 6) continue;
    const [netid, , , , local] = fields;
    const port = local.lastIndexOf(":");
    const at = local.indexOf("%");
    if (at < 0 || port < at) continue;
    const dev = local.slice(at + 1, port).replace(/\]$/, "");
    const processes = [...line.matchAll(/\("((?:[^"\\]|\\.)*)",pid=(\d+)/g)].map((m) => `${m[1]} (pid ${m[2]})`);
    out.push({ netid, local, dev, processes: [...new Set(processes)] });
  }
  return out;
}

/**
 * The raw sockets of `ss -H -a -n -p -w` output whose local address names no
 * link, one phrase each (`raw 0.0.0.0:1 (ping (pid 46))`): on a kernel
 * without raw_diag, every raw socket, bound or not (see
 * {@link readBoundSockets}).
 * @param stdout ss's output (other netids are skipped).
 * @returns The phrases, in ss's order.
 */
export function rawSocketsWithoutLink(stdout: string): string[] {
  const out: string[] = [];
  for (const line of stdout.split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 6 || fields[0] !== "raw" || fields[4].includes("%")) continue;
    const processes = [...line.matchAll(/\("((?:[^"\\]|\\.)*)",pid=(\d+)/g)].map((m) => `${m[1]} (pid ${m[2]})`);
    out.push(`raw ${fields[4]}${processes.length ? ` (${[...new Set(processes)].join(", ")})` : ""}`);
  }
  return out;
}

/**
 * Leaves out of {@link rawSocketsWithoutLink}'s phrases the raw sockets held
 * only by the given processes: `rehearse`'s own outage `ping` (a raw ICMP
 * socket, ping(8)), which its lab's run would otherwise report as a socket
 * it could not check.
 * @param phrases Phrases such as `raw 0.0.0.0:1 (ping (pid 46))`.
 * @param pids The processes whose sockets are not the host's.
 * @returns The phrases of sockets some other process holds (or ss could not tell which), in order.
 */
export function rawSocketsNotOf(phrases: readonly string[], pids: readonly number[]): string[] {
  return phrases.filter((phrase) => {
    const holders = [...phrase.matchAll(/\(pid (\d+)\)/g)].map((m) => Number(m[1]));
    return holders.length === 0 || holders.some((pid) => !pids.includes(pid));
  });
}

/**
 * The symbol of the kernel's sock_diag handler for raw sockets
 * (net/ipv4/raw_diag.c, `CONFIG_INET_RAW_DIAG`), as /proc/kallsyms lists it
 * when raw_diag is built in or loaded.
 */
export const RAW_DIAG_SYMBOL = "raw_diag_dump";

/**
 * Whether the kernel has raw_diag, from /proc/kallsyms (which lists the
 * symbols of the kernel and of its loaded modules; `ss` has just asked for
 * raw sockets, which loads a modular raw_diag, net/ipv4/inet_diag.c
 * `inet_diag_lock_handler`).
 * @param run The process seam (`cat`).
 * @returns `true` or `false`; `undefined` when /proc/kallsyms cannot be read (no `CONFIG_KALLSYMS`).
 * @throws {CommandError} When the process seam fails otherwise.
 */
export async function kernelHasRawDiag(run: Runner): Promise<boolean | undefined> {
  const r = await run(["cat", "/proc/kallsyms"], { okCodes: Array.from({ length: 256 }, (_, i) => i) });
  if (r.code !== 0 || r.stdout === "") return undefined;
  return new RegExp(`\\s${RAW_DIAG_SYMBOL}(\\s|$)`, "m").test(r.stdout);
}

/** What {@link readBoundSockets} found. */
export interface SocketScan {
  /** The sockets bound to a link by name. */
  bound: BoundSocket[];
  /**
   * Raw sockets whose link `ss` could not show, one phrase each (see
   * {@link rawSocketsWithoutLink}): the kernel lacks raw_diag (or whether it
   * has it could not be told), so ss read them from /proc/net/raw, which has
   * no link. `[]` when ss shows the links of raw sockets, or there are none.
   */
  rawUnseen: string[];
}

/**
 * Reads the sockets bound to a link by name: TCP sockets (listening or connected), UDP and raw
 * sockets (`ss -H -a -n -p -t -u -w`, ss(8); `-p` names the processes, which
 * needs root). ss asks the kernel through sock_diag (NETLINK_SOCK_DIAG),
 * which reports the link a socket is bound to; for raw sockets that needs
 * the kernel's raw_diag, and without it ss falls back to /proc/net/raw
 * silently, showing no link. So when raw sockets are listed and none shows a
 * link, whether the kernel has raw_diag is looked up ({@link kernelHasRawDiag})
 * and, when it has not, they are returned as unseen rather than as unbound.
 * `undefined` when ss is not installed or fails: checks that rely on it say so.
 * @param run The process seam.
 * @returns The bound sockets and the raw ones whose link is unknown, or `undefined`.
 * @throws {CommandError} When the process seam fails otherwise.
 */
export async function readBoundSockets(run: Runner): Promise<SocketScan | undefined> {
  const r = await run(["ss", "-H", "-a", "-n", "-p", "-t", "-u", "-w"], {
    okCodes: Array.from({ length: 256 }, (_, i) => i),
  }).catch((e) => {
    if (e instanceof CommandError && e.code === -1) return undefined;
    throw e;
  });
  if (!r || r.code !== 0) return undefined;
  const bound = parseBoundSockets(r.stdout);
  const raw = rawSocketsWithoutLink(r.stdout);
  const linkShown = bound.some((s) => s.netid === "raw");
  const rawUnseen = raw.length === 0 || linkShown || (await kernelHasRawDiag(run)) === true ? [] : raw;
  return { bound, rawUnseen };
}

/**
 * The sockets bound to one link, as one phrase each for messages.
 * @param sockets What {@link readBoundSockets} found.
 * @param dev The link, e.g. the uplink `eth0`.
 * @returns e.g. `["udp *%eth0:5000 (dnsmasq (pid 9))"]`; `[]` when none.
 */
export function socketsBoundTo(sockets: readonly BoundSocket[], dev: string): string[] {
  return sockets.filter((s) => s.dev === dev).map((s) =>
    `${s.netid} ${s.local}${s.processes.length ? ` (${s.processes.join(", ")})` : ""}`
  );
}

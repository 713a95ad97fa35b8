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
 * Reads the sockets bound to a link by name: TCP sockets (listening or connected), UDP and raw
 * sockets (`ss -H -a -n -p -t -u -w`, ss(8); `-p` names the processes, which
 * needs root). `undefined` when ss is not installed or fails: checks that rely
 * on it say so.
 * @param run The process seam.
 * @returns The sockets bound to a link, or `undefined`.
 * @throws {CommandError} When the process seam fails otherwise.
 */
export async function readBoundSockets(run: Runner): Promise<BoundSocket[] | undefined> {
  const r = await run(["ss", "-H", "-a", "-n", "-p", "-t", "-u", "-w"], {
    okCodes: Array.from({ length: 256 }, (_, i) => i),
  }).catch((e) => {
    if (e instanceof CommandError && e.code === -1) return undefined;
    throw e;
  });
  if (!r || r.code !== 0) return undefined;
  return parseBoundSockets(r.stdout);
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

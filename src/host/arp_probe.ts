/**
 * IPv4 address conflict detection before an address is used on a LAN
 * (RFC 5227 §2.1.1): ARP probes with sender address 0.0.0.0 asking for the
 * candidate address; any reply means another host holds it. Run with
 * `arping -D` (arping(8), Debian package `iputils-arping`), which exits 0 when
 * no reply came and 1 when one did, printing `Unicast reply from ADDR [MAC]`
 * (arping has no machine-readable output; that line is its stable form).
 *
 * Sending probes changes nothing on the host or the LAN: no host records the
 * 0.0.0.0 sender (RFC 5227 §2.1.1).
 *
 * @module
 */
import type { Runner } from "../exec/mod.ts";

/**
 * How many probes are sent, one second apart (arping's default interval):
 * RFC 5227 suggests three spread over 1–2 s (PROBE_NUM, PROBE_MIN/MAX); two
 * keep a run short and still tolerate one lost frame. A free address costs
 * about this many seconds; a held one answers in milliseconds.
 */
export const ARP_PROBES: number = 2;

/** The longest a probe may take, in seconds (arping `-w`): the probes plus a second for a late reply. */
export const ARP_PROBE_DEADLINE_S: number = ARP_PROBES + 1;

/** What a probe found. */
export type ProbeResult = { inUse: false } | { inUse: true; mac: string };

/**
 * The argv of one probe.
 * @param dev The link to probe on (the bridge or uplink that carries the LAN).
 * @param address IPv4 address, e.g. `198.51.100.20`.
 * @returns e.g. `["arping", "-D", "-I", "br0", "-c", "2", "-w", "3", "198.51.100.20"]`.
 */
export function arpProbeArgv(dev: string, address: string): string[] {
  return ["arping", "-D", "-I", dev, "-c", String(ARP_PROBES), "-w", String(ARP_PROBE_DEADLINE_S), address];
}

/**
 * Reads the holder's MAC from arping's output.
 * @param stdout arping's output.
 * @returns The MAC in lower case, e.g. `52:54:00:12:34:56`, or `undefined`.
 */
export function replyMac(stdout: string): string | undefined {
  return /reply from \S+ \[([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5})\]/.exec(stdout)?.[1].toLowerCase();
}

/**
 * Probes whether an IPv4 address is held by another host on the LAN of a link.
 * @param run The process seam.
 * @param dev The link (UP) that carries the LAN.
 * @param address IPv4 address.
 * @returns `{ inUse: false }`, or `{ inUse: true, mac }` naming the holder.
 * @throws {CommandError} When arping fails (exit 2: e.g. the link is down or missing).
 */
export async function arpProbe(run: Runner, dev: string, address: string): Promise<ProbeResult> {
  const r = await run(arpProbeArgv(dev, address), { okCodes: [0, 1], timeoutMs: (ARP_PROBE_DEADLINE_S + 5) * 1000 });
  if (r.code === 0) return { inUse: false };
  return { inUse: true, mac: replyMac(r.stdout) ?? "unknown" };
}

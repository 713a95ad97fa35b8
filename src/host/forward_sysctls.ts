/**
 * The host's forwarding settings, read together: `net.ipv4.ip_forward` (the
 * host facts: whether `--nat` must turn it on) and bridge netfilter's
 * `net.bridge.bridge-nf-call-iptables` / `-ip6tables` (doctor's `forward`
 * check: bridged traffic then passes the iptables/nftables `FORWARD` hooks),
 * by one sysctl(8) process whoever asks first: every caller runs the same
 * argv, so a memoizing runner (`memo.ts`) answers the others.
 *
 * @module
 */
import { CommandError } from "../errors.ts";
import type { Runner } from "../exec/mod.ts";

/** `net.ipv4.ip_forward`: `1` when the host routes IPv4 between its links (Documentation/networking/ip-sysctl.rst). */
export const IPV4_FORWARD = "net.ipv4.ip_forward";

/** The forwarding settings, in the order sysctl is given them. */
export const FORWARD_SYSCTLS = [
  IPV4_FORWARD,
  "net.bridge.bridge-nf-call-iptables",
  "net.bridge.bridge-nf-call-ip6tables",
] as const;

/** What {@link readForwardSysctls} found: each key's value, or why sysctl could not be run. */
export type ForwardSysctls =
  | { ok: true; values: ReadonlyMap<string, string> }
  | { ok: false; reason: string };

/** Every exit code a started program can return. */
const ANY_EXIT: readonly number[] = Array.from({ length: 256 }, (_, i) => i);

/**
 * Reads {@link FORWARD_SYSCTLS} with `sysctl -e KEY…` (sysctl(8): `-e`
 * ignores a key the kernel does not have, e.g. the bridge netfilter ones
 * while br_netfilter is not loaded; each value is printed as `KEY = VALUE`).
 * @param run The process seam (a memoizing one: every caller asks the same argv).
 * @returns The values of the keys the kernel has (a missing key is absent from
 *   the map); not ok, with the reason, when sysctl could not be run or failed.
 * @throws {Error} Only what the process seam throws besides {@link CommandError}
 *   (e.g. `Deno.errors.NotCapable`: a permission set without sysctl, a bug).
 * @example
 * ```ts ignore
 * const s = await readForwardSysctls(memoRunner(realRunner()));
 * s.ok && s.values.get("net.ipv4.ip_forward"); // "0"
 * ```
 */
export async function readForwardSysctls(run: Runner): Promise<ForwardSysctls> {
  let r;
  try {
    r = await run(["sysctl", "-e", ...FORWARD_SYSCTLS], { okCodes: ANY_EXIT });
  } catch (e) {
    if (e instanceof CommandError) return { ok: false, reason: e.stderr || e.message };
    throw e;
  }
  if (r.code !== 0) {
    return { ok: false, reason: r.stderr.split("\n").find((l) => l.trim() !== "")?.trim() || `exit ${r.code}` };
  }
  const values = new Map<string, string>();
  for (const line of r.stdout.split("\n")) {
    const eq = line.indexOf(" = ");
    if (eq > 0) values.set(line.slice(0, eq), line.slice(eq + 3).trim());
  }
  return { ok: true, values };
}

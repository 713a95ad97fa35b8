/**
 * The privileges check: effective uid 0 with CAP_NET_ADMIN and CAP_SYS_ADMIN
 * in the effective set, read from `/proc/self/status` (proc(5): the `Uid:`
 * and `CapEff:` lines; capabilities(7) for the bit numbers).
 *
 * @module
 */
import { type DoctorFacts, type Finding, finding } from "./types.ts";

/** Bit number of CAP_NET_ADMIN in a capability mask (linux/capability.h). */
export const CAP_NET_ADMIN = 12;
/** Bit number of CAP_SYS_ADMIN in a capability mask. */
export const CAP_SYS_ADMIN = 21;

/** The parts of `/proc/PID/status` the check uses. */
export interface ProcStatus {
  /** Effective uid (second field of `Uid:`). */
  euid: number;
  /** Effective capability mask (`CapEff:`, hex). */
  capEff: bigint;
}

/**
 * Parses the `Uid:` and `CapEff:` lines of `/proc/PID/status`.
 * @param text The file's text.
 * @returns The parsed fields, or `undefined` when either line is missing or malformed.
 * @example
 * ```ts
 * parseProcStatus("Uid:\t0\t0\t0\t0\nCapEff:\t000001ffffffffff\n"); // { euid: 0, capEff: 0x1ffffffffffn }
 * ```
 */
export function parseProcStatus(text: string): ProcStatus | undefined {
  const uid = /^Uid:\s+\d+\s+(\d+)/m.exec(text);
  const cap = /^CapEff:\s+([0-9a-fA-F]+)\s*$/m.exec(text);
  if (!uid || !cap) return undefined;
  return { euid: Number(uid[1]), capEff: BigInt(`0x${cap[1]}`) };
}

/**
 * Whether a capability mask holds a capability.
 * @param mask A mask such as `CapEff`.
 * @param bit The capability's number, e.g. {@link CAP_NET_ADMIN}.
 * @returns `true` when the bit is set.
 */
export function hasCap(mask: bigint, bit: number): boolean {
  return ((mask >> BigInt(bit)) & 1n) === 1n;
}

/**
 * Checks that nsrecipe runs as root with the capabilities its commands need.
 * `/proc/self/status` is read by `cat`, a child of nsrecipe like `ip` and
 * `unshare`: its uid and effective capabilities are what they will have.
 *
 * Verdicts: not root → fail (run refuses); root without CAP_NET_ADMIN or
 * CAP_SYS_ADMIN (a restricted container) → fail; unreadable → warn.
 *
 * @param facts Doctor facts.
 * @returns The `privileges` finding.
 */
export function checkPrivileges(facts: DoctorFacts): Finding {
  const id = "privileges";
  if (!facts.procStatus.ok) return finding(id, "warn", `Not checked: ${facts.procStatus.reason}`);
  const st = parseProcStatus(facts.procStatus.value);
  if (!st) return finding(id, "warn", "Not checked: /proc/self/status has no Uid or CapEff line");
  if (st.euid !== 0) {
    return finding(
      id,
      "fail",
      `Not running as root (effective uid ${st.euid}): nsrecipe refuses to change the host`,
      "Run it again with sudo.",
    );
  }
  const missing = [[CAP_NET_ADMIN, "CAP_NET_ADMIN"], [CAP_SYS_ADMIN, "CAP_SYS_ADMIN"]]
    .filter(([bit]) => !hasCap(st.capEff, bit as number)).map(([, name]) => name);
  if (missing.length > 0) {
    return finding(
      id,
      "fail",
      `Root, but ${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} missing from the effective set ` +
        `(CapEff ${st.capEff.toString(16)}): a restricted container?`,
      "Run nsrecipe on the host, or give the container the capabilities " +
        "('docker run --cap-add NET_ADMIN --cap-add SYS_ADMIN …').",
    );
  }
  return finding(id, "ok", "Root, with CAP_NET_ADMIN and CAP_SYS_ADMIN");
}

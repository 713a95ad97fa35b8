/**
 * The tools checks: `ip` from iproute2 new enough for complete `ip -json`
 * output (ip(8) `-json`; 5.0 or later), and `unshare` from util-linux new
 * enough for `--kill-child` (unshare(1), util-linux 2.32 or later).
 *
 * @module
 */
import { type DoctorFacts, type Finding, finding } from "./types.ts";

/** A dotted version, compared field by field. */
export type Version = readonly number[];

/**
 * Oldest iproute2 nsrecipe relies on: `ip -json` for links, addresses, routes and `netns list`. Asked of `ip -V`, a
 * process of its own beside the host's batch: no answer of the batch proves it, since an older `ip` prints JSON
 * for most of these lists too, with fields left out, and a field missing from an answer reads the same as a host
 * that has nothing to show there.
 */
export const MIN_IPROUTE2: Version = [5, 0];
/** Oldest util-linux nsrecipe relies on: `unshare --kill-child` appeared in 2.32. */
export const MIN_UTIL_LINUX: Version = [2, 32];

/**
 * Compares two versions.
 * @param a A version.
 * @param b Another.
 * @returns Negative, zero or positive, like a sort comparator.
 */
export function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** What `ip -V` said. */
export type IprouteVersion =
  | { kind: "release"; version: Version; text: string }
  | { kind: "snapshot"; date: number; text: string };

/**
 * Parses `ip -V`: `ip utility, iproute2-6.1.0, libbpf 1.1.2` (releases since
 * 5.x) or `ip utility, iproute2-ss200127` (snapshot dates, older releases).
 * @param text The output.
 * @returns The version, or `undefined` when the output is not iproute2's (BusyBox `ip`).
 */
export function parseIpVersion(text: string): IprouteVersion | undefined {
  const snap = /iproute2-ss(\d{6})\b/.exec(text);
  if (snap) return { kind: "snapshot", date: Number(snap[1]), text: `iproute2-ss${snap[1]}` };
  const rel = /iproute2-v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!rel) return undefined;
  const version = rel.slice(1).filter((x) => x !== undefined).map(Number);
  return { kind: "release", version, text: `iproute2 ${version.join(".")}` };
}

/**
 * Parses `unshare --version`: `unshare from util-linux 2.38.1`.
 * @param text The output.
 * @returns The util-linux version, or `undefined` when not util-linux.
 */
export function parseUnshareVersion(text: string): Version | undefined {
  const m = /util-linux (\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  return m ? m.slice(1).filter((x) => x !== undefined).map(Number) : undefined;
}

/**
 * Checks `ip`. Missing, not iproute2, or older than {@link MIN_IPROUTE2}
 * (snapshot dates before 2019-03) → fail.
 * @param facts Doctor facts.
 * @returns The `ip` finding.
 */
export function checkIp(facts: DoctorFacts): Finding {
  const id = "ip";
  const install = "Install a current iproute2: 'apt-get install iproute2'";
  if (!facts.ipVersion.ok) return finding(id, "fail", `'ip -V' failed: ${facts.ipVersion.reason}`, install);
  const v = parseIpVersion(facts.ipVersion.value);
  if (!v) {
    return finding(id, "fail", `'ip' is not iproute2's (${facts.ipVersion.value.trim().split("\n")[0]})`, install);
  }
  const fresh = v.kind === "release" ? compareVersions(v.version, MIN_IPROUTE2) >= 0 : v.date >= 190301;
  if (!fresh) {
    return finding(id, "fail", `${v.text} is older than iproute2 5.0: its 'ip -json' output is incomplete`, install);
  }
  return finding(id, "ok", `${v.text}, with JSON output`);
}

/**
 * Checks `unshare`. Missing, not util-linux, or older than
 * {@link MIN_UTIL_LINUX} (no `--kill-child`) → fail.
 * @param facts Doctor facts.
 * @returns The `unshare` finding.
 */
export function checkUnshare(facts: DoctorFacts): Finding {
  const id = "unshare";
  const install = "Install a current util-linux: 'apt-get install util-linux'";
  const s = facts.unshareVersion;
  if (!s.ok) return finding(id, "fail", `'unshare --version' failed: ${s.reason}`, install);
  const v = parseUnshareVersion(s.value);
  if (!v) return finding(id, "fail", `'unshare' is not util-linux's (${s.value.trim().split("\n")[0]})`, install);
  if (compareVersions(v, MIN_UTIL_LINUX) < 0) {
    return finding(id, "fail", `util-linux ${v.join(".")} is older than 2.32: unshare has no --kill-child`, install);
  }
  return finding(id, "ok", `util-linux ${v.join(".")}, with --kill-child and --mount-proc`);
}

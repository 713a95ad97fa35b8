/**
 * Measuring the outage of a change from the output of `ping -D -i INTERVAL`
 * (ping(8): `-D` prints a UNIX timestamp before each reply line).
 *
 * @module
 */

/** What a ping run tells about connectivity during a change. */
export interface Outage {
  /** Echo requests sent. */
  sent: number;
  /** Replies received. */
  received: number;
  /** Longest time without a reply between two replies, minus the interval, in ms (0 when none was lost). */
  longestGapMs: number;
}

/**
 * Parses `ping -D` output into an {@link Outage}.
 * @param stdout The output, e.g. `[1700000000.123456] 64 bytes from 198.51.100.1: icmp_seq=1 ttl=64 time=0.1 ms`
 *   lines and the `N packets transmitted, M received` summary.
 * @param intervalMs The ping interval in ms.
 * @returns The outage.
 */
export function parsePingOutage(stdout: string, intervalMs: number): Outage {
  const stamps = [...stdout.matchAll(/^\[(\d+\.\d+)\] \d+ bytes from .*icmp_seq=\d+/gm)].map((m) =>
    Number(m[1]) * 1000
  );
  const summary = /(\d+) packets transmitted, (\d+) received/.exec(stdout);
  let gap = 0;
  for (let i = 1; i < stamps.length; i++) gap = Math.max(gap, stamps[i] - stamps[i - 1] - intervalMs);
  return {
    sent: summary ? Number(summary[1]) : stamps.length,
    received: summary ? Number(summary[2]) : stamps.length,
    longestGapMs: Math.max(0, Math.round(gap)),
  };
}

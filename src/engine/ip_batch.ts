/**
 * Running several `ip` commands as one `ip [-n NS] -batch -` (ip(8):
 * `-batch FILENAME`, `-` for stdin): one process, the commands back to back,
 * so a switch of routes and a bridge port (full-migrate's undo) has no gap
 * between its commands. Pure conversion of argv to batch lines, and the
 * parsing of which line failed.
 *
 * iproute2 behaviour relied on (iproute2 6.1, verified in a lab):
 * - a batch line is a command without the program and without global options
 *   (`-4`, `-n NS` on a line are refused: `Object "-4" is unknown`), so the
 *   namespace and family are the batch's own options;
 * - without a family, `ip route` and `ip rule` take IPv4 unless an address on
 *   the line says otherwise (`ip -4` is their default), and `ip addr`/`ip
 *   neigh`/`ip route` take the family of the addresses given, so an IPv6
 *   route is written with an explicit prefix (`::/0` for `default`);
 * - the batch stops at the first command that fails (no `-force`), prints the
 *   kernel's message and `Command failed -:N` (N the 1-based line), and exits 1.
 *
 * @module
 */

/** One `ip` command as a line of a batch. */
export interface BatchLine {
  /** The batch it can go in: `ip` plus the namespace and family options, e.g. `["ip", "-n", "web"]`. */
  batch: string[];
  /** The line's words, e.g. `["route", "del", "default", "via", "198.51.100.1", "dev", "nsbr0"]`. */
  words: string[];
}

const ROUTE_TYPES = new Set([
  "unicast",
  "local",
  "broadcast",
  "multicast",
  "throw",
  "unreachable",
  "prohibit",
  "blackhole",
  "nat",
  "anycast",
]);

/** A word iproute2's batch line parser keeps as it is (no quoting, escape, comment or space in it). */
const PLAIN = /^[^\s"'\\#]+$/;

/**
 * Converts a full `ip` argv into a batch line.
 * @param argv e.g. `["ip", "-4", "route", "del", "default", "via", "198.51.100.1", "dev", "nsbr0"]`.
 * @returns The line and the batch it belongs to; `undefined` when the argv
 *   is not `ip [-n NS] [-4|-6] OBJECT …` or a word would need quoting.
 * @example
 * ```ts
 * import { batchLine } from "./ip_batch.ts";
 * batchLine(["ip", "-6", "route", "add", "default", "via", "fe80::1", "dev", "eth0"]);
 * // { batch: ["ip"], words: ["route", "add", "::/0", "via", "fe80::1", "dev", "eth0"] }
 * ```
 */
export function batchLine(argv: readonly string[]): BatchLine | undefined {
  if (argv[0] !== "ip" || !argv.every((w) => PLAIN.test(w))) return undefined;
  let rest = argv.slice(1);
  const batch = ["ip"];
  if (rest[0] === "-n") {
    if (rest.length < 2) return undefined;
    batch.push("-n", rest[1]);
    rest = rest.slice(2);
  }
  let family: "-4" | "-6" | undefined;
  if (rest[0] === "-4" || rest[0] === "-6") {
    family = rest[0];
    rest = rest.slice(1);
  }
  if (rest.length === 0 || rest[0].startsWith("-")) return undefined;
  if (family === "-6" && rest[0] === "route") {
    const at = ROUTE_TYPES.has(rest[2]) ? 3 : 2;
    if (rest[at] === "default") rest = [...rest.slice(0, at), "::/0", ...rest.slice(at + 1)];
    family = undefined;
  }
  if (family === "-4" && (rest[0] === "route" || rest[0] === "rule")) family = undefined;
  if (family) batch.push(family);
  return { batch, words: rest };
}

/**
 * The 1-based line at which a batch stopped, from its stderr.
 * @param stderr The batch's stderr, e.g. `RTNETLINK answers: File exists\nCommand failed -:2`.
 * @returns The line, or `undefined` when stderr names none (the batch did not start).
 */
export function failedLine(stderr: string): number | undefined {
  const m = /Command failed -:(\d+)/.exec(stderr);
  return m ? Number(m[1]) : undefined;
}

/**
 * iproute2's own message for the failed line: stderr without the
 * `Command failed` line.
 * @param stderr The batch's stderr.
 * @returns e.g. `RTNETLINK answers: File exists`.
 */
export function batchMessage(stderr: string): string {
  return stderr.split("\n").filter((l) => !/^Command failed -:\d+$/.test(l)).join("\n").trim();
}

/**
 * The most bytes one batch's text may have: PIPE_BUF, 4096 on Linux. pipe(7):
 * a write of at most PIPE_BUF bytes to a pipe (without `O_NONBLOCK`) is
 * atomic, "all n bytes are written atomically"; a larger one is written in
 * parts as the reader makes room. nsrecipe killed while writing a larger text
 * to `ip -batch -` would leave `ip` a last line cut short, which it still runs
 * (ip(8) reads the batch line by line, to end of input) and which may be a
 * valid command of another meaning (`addr add 10.0.0.1/2` for `/24`). A text
 * of at most this many bytes reaches `ip` whole or not at all.
 */
export const BATCH_TEXT_MAX = 4096;

/**
 * Splits units of batch lines (one unit: one step's lines, which stay
 * together) into consecutive batches whose text is at most
 * {@link BATCH_TEXT_MAX} bytes. Pure.
 * @param units Each unit's lines, without newlines, e.g. `[["route add …"], ["route add …"]]`.
 * @param max The byte limit (tests pass a small one).
 * @returns How many units each batch takes, in order, summing to
 *   `units.length`; a unit over the limit on its own is a batch of its own
 *   (no step's lines come near it: an `ip` command line is under 200 bytes).
 * @example
 * ```ts
 * import { batchSizes } from "./ip_batch.ts";
 * batchSizes([["a b"], ["c d", "e f"], ["g h"]], 8); // [1, 1, 1]: "a b\n" + "c d\ne f\n" is 12 bytes
 * batchSizes([["a b"], ["c d"], ["e f"]], 8); // [2, 1]
 * ```
 */
export function batchSizes(units: readonly (readonly string[])[], max = BATCH_TEXT_MAX): number[] {
  const bytes = (lines: readonly string[]) => new TextEncoder().encode(lines.map((l) => `${l}\n`).join("")).length;
  const sizes: number[] = [];
  let used = Infinity;
  for (const unit of units) {
    const n = bytes(unit);
    if (used + n <= max) {
      sizes[sizes.length - 1]++;
      used += n;
    } else {
      sizes.push(1);
      used = n;
    }
  }
  return sizes;
}

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
 * A batch of changes with reads after them, for one `ip [-n NS] -json
 * -details -batch -` that changes and then looks (ip(8): `-json` and
 * `-details` change no command that writes: those print nothing on stdout,
 * verified for `link add`/`set`/`del`, `addr`, `route`, `neigh`, `rule` and
 * `netns add`/`del` with iproute2 6.1; each read line prints one JSON
 * array). Without `-force` iproute2 still stops at the first line that
 * fails, so a failed change stops the batch before any read, and a failed
 * read comes after every change ran. The reads are left out (a plain
 * `ip -batch -`) when there are none, or when the batch has a family option
 * (`-4`/`-6` would filter the reads' answers). However long the text, it
 * reaches `ip` in whole lines (the runner's `lineChunks`).
 * @param key The batch's `ip` and options, e.g. `ip -n web`.
 * @param writes The change lines, without newlines.
 * @param reads The read lines, without newlines.
 * @returns The argv, the text for stdin, and how many read lines it holds.
 * @example
 * ```ts
 * import { withReads } from "./ip_batch.ts";
 * withReads("ip -n web", ["link set dev lo up"], ["addr show"]);
 * // { argv: ["ip", "-n", "web", "-json", "-details", "-batch", "-"], stdin: "link set dev lo up\naddr show\n", reads: 1 }
 * ```
 */
export function withReads(
  key: string,
  writes: readonly string[],
  reads: readonly string[] = [],
): { argv: string[]; stdin: string; reads: number } {
  const batch = key.split(" ");
  const text = (lines: readonly string[]) => lines.map((l) => `${l}\n`).join("");
  if (reads.length === 0 || batch.includes("-4") || batch.includes("-6")) {
    return { argv: [...batch, "-batch", "-"], stdin: text(writes), reads: 0 };
  }
  return {
    argv: [...batch, "-json", "-details", "-batch", "-"],
    stdin: text([...writes, ...reads]),
    reads: reads.length,
  };
}

/**
 * The answers of the reads of a {@link withReads} batch: the JSON line each
 * read that ran printed, in order. Pure.
 * @param stdout The batch's stdout.
 * @param failed The 1-based line iproute2 named as failed ({@link failedLine}), `undefined` when none did.
 * @param writes How many change lines come first.
 * @param reads How many read lines follow them.
 * @returns One JSON line for each read before the failed line (all of them
 *   when none failed; none when a change failed); `undefined` when stdout
 *   does not hold exactly that (then none of it is trusted).
 * @example
 * ```ts
 * import { readAnswers } from "./ip_batch.ts";
 * readAnswers('[{"ifname":"br0"}]\n[]\n', undefined, 3, 2); // ['[{"ifname":"br0"}]', "[]"]
 * readAnswers('[{"ifname":"br0"}]\n', 5, 3, 3); // ['[{"ifname":"br0"}]']: the second read failed
 * ```
 */
export function readAnswers(
  stdout: string,
  failed: number | undefined,
  writes: number,
  reads: number,
): string[] | undefined {
  const ran = failed === undefined ? reads : Math.max(0, Math.min(reads, failed - writes - 1));
  const lines = stdout.split("\n").filter((l) => l.trim() !== "");
  return lines.length === ran && lines.every((l) => l.startsWith("[")) ? lines : undefined;
}

/**
 * The named netns a batch runs in, from its key.
 * @param key The batch's `ip` and options, e.g. `ip -n web`.
 * @returns e.g. `web`; `undefined` for the caller's own namespace.
 * @example
 * ```ts
 * import { batchNetns } from "./ip_batch.ts";
 * batchNetns("ip -n web"); // "web"
 * batchNetns("ip -6"); // undefined
 * ```
 */
export function batchNetns(key: string): string | undefined {
  const words = key.split(" ");
  return words[1] === "-n" ? words[2] : undefined;
}

/**
 * The look `status` takes at the host before it checks any run, in one of
 * two depths:
 *
 * - `deep`: one snapshot of the host and one of each live namespace the runs
 *   name (`ip [-n NS] -json -details -batch -`, one process each), and any
 *   further read a step's check asks for (e.g. a sysctl): every done step is
 *   checked.
 * - `quick`: one snapshot of the host and nothing else. What needs no
 *   process is still read (each namespace's `/run/netns` entry and its
 *   identity, by stat), and so is a namespace that is not live (its read fails
 *   at once, as in the deep look); every other read a check asks for is
 *   answered with {@link Unread}, and that check is reported unchecked, never
 *   as in effect. Its cost does not grow with the namespaces.
 *
 * `status` lists runs with the deep look while their live namespaces are at
 * most {@link DEEP_UP_TO} (a few processes), with the quick look beyond;
 * `status NAME` and `status --deep` look deep, `status --quick` (with or
 * without a NAME) quick.
 *
 * @module
 */
import type { Runner } from "../exec/mod.ts";
import { netnsEntryState, netnsProcessCounts, SnapshotIpReader } from "../host/mod.ts";
import type { RunView } from "../journal/mod.ts";
import { Unread } from "../engine/mod.ts";

/** How far `status` looks: every step read back, or one read of the host (see the module's doc). */
export type Depth = "deep" | "quick";

/**
 * The most live namespaces the list view reads the inside of; beyond, it looks quick. A handful: each is one more
 * `ip` process (about 1.5 ms of CPU, README "Performance"), so that a few runs are checked whole at a cost close to
 * the quick look's, and 50 cost what 1 does.
 */
export const DEEP_UP_TO = 8;

/** What `status` checks its runs against, taken once before any run is checked. */
export interface Look {
  /** The depth taken. */
  depth: Depth;
  /** The reader the checks read through: it answers from the snapshots (and, quick, {@link Unread} beyond them). */
  ip: SnapshotIpReader;
  /** The runner the checks run other reads with (quick: {@link Unread} for any but a non-live namespace's). */
  run: Runner;
  /** How many processes each live namespace holds ({@link netnsProcessCounts}). */
  processes: Map<string, number>;
  /** The live namespaces the runs name. */
  live: string[];
}

/**
 * The depth `status` looks at: the one asked for, else deep while the runs'
 * live namespaces are at most {@link DEEP_UP_TO} and quick beyond.
 * @param live How many live namespaces the runs have.
 * @param asked `deep` or `quick` when asked for (`--deep`, `--quick`, or `status NAME`: deep).
 * @returns The depth.
 */
export function depthFor(live: number, asked?: Depth): Depth {
  return asked ?? (live <= DEEP_UP_TO ? "deep" : "quick");
}

/**
 * The named namespace a command reads, from its `ip -n NS` prefix.
 * @param argv A command.
 * @returns The name, or `undefined` for any other command.
 */
function netnsRead(argv: readonly string[]): string | undefined {
  return argv[0] === "ip" && argv[1] === "-n" ? argv[2] : undefined;
}

/**
 * Takes `status`'s one look at the host.
 * @param run The process seam (memoizing: a read made twice runs once).
 * @param runs The runs to be checked (of this boot, recorded here).
 * @param asked `deep` or `quick` when the command asked for one; `undefined`
 *   for the list view's own choice: deep up to {@link DEEP_UP_TO} live namespaces.
 * @returns The look.
 * @throws {Error} Only what the process seam throws besides {@link CommandError}.
 */
export async function lookOnce(run: Runner, runs: readonly RunView[], asked?: Depth): Promise<Look> {
  const named = [...new Set(runs.flatMap((r) => r.steps.flatMap((s) => "netns" in s && s.netns ? [s.netns] : [])))];
  const live = named.filter((n) => netnsEntryState(n) === "live");
  const depth = depthFor(live.length, asked);
  // No run to check: nothing to read.
  if (runs.length === 0) return { depth, ip: new SnapshotIpReader(run), run, processes: new Map(), live };
  // The host's snapshot is taken while the processes are counted; each namespace's only after (a read of a
  // namespace is a process inside it while it runs). Quick, the reader is shut once the host's snapshot is in.
  let open = true;
  const gated: Runner = (argv, opts) => {
    const ns = netnsRead(argv);
    if (open || (ns !== undefined && netnsEntryState(ns) !== "live")) return run(argv, opts);
    return Promise.reject(new Unread(argv));
  };
  const ip = new SnapshotIpReader(depth === "deep" ? run : gated);
  const [processes] = await Promise.all([netnsProcessCounts(run, live), ip.prefetch()]);
  if (depth === "deep") {
    await Promise.all(live.map((n) => ip.prefetch(n)));
    return { depth, ip, run, processes, live };
  }
  open = false;
  return { depth, ip, run: gated, processes, live };
}

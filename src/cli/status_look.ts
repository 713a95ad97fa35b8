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
 *   at once, as in the deep look), and the inside of a namespace whose name is
 *   now another namespace than its run made ({@link replacedNetns}: what the
 *   run put there went with its own, and the deep look's reading of the new
 *   one says so step by step); every other read a check asks for is
 *   answered with {@link Unread}, and that check is reported unchecked, never
 *   as in effect. Its cost does not grow with the namespaces (but for one
 *   process per namespace deleted and made again by hand).
 *
 * `status` lists runs with the deep look while their live namespaces are at
 * most {@link DEEP_UP_TO} (a few processes), with the quick look beyond;
 * `status NAME` and `status --deep` look deep, `status --quick` (with or
 * without a NAME) quick. Either begins with reads that need no run
 * ({@link beginLook}: the host's snapshot and the process scan), which
 * `status` starts while it reads its journal.
 *
 * @module
 */
import type { Runner } from "../exec/mod.ts";
import { identityKey, type NetnsIdentity, sameIdentity } from "../host/identity.ts";
import { lsnsProcessCounts, netnsProcessCounts } from "../host/netns_processes.ts";
import { memoRunner, SnapshotIpReader } from "../host/memo.ts";
import { NETNS_RUN_DIR } from "../host/sysfs.ts";
import type { RunView } from "../journal/mod.ts";
import { Unread } from "../engine/drift.ts";

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
  /**
   * The namespaces whose inside was read: deep, every live one; quick, those
   * that are no longer the namespace the run made ({@link replacedNetns}).
   */
  inside: ReadonlySet<string>;
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

/** How a look reads a `/run/netns` entry; by default as every reader does (stat(2), `IpReader`). */
export interface NetnsEntryReads {
  /** The entry's state now, as `IpReader.netnsEntryState`. */
  state(name: string): "absent" | "live" | "stale";
  /** The namespace's identity now, as `IpReader.netnsIdentity`. */
  identity(name: string): NetnsIdentity | undefined;
}

/**
 * The reader of one look at the host: a {@link SnapshotIpReader} that also
 * takes each `/run/netns` entry's state and identity once, at the first
 * question about that name, and answers every later one from it, as its
 * `ip` snapshots answer. `status` asks them of each run's namespace from
 * several checks (the look's live namespaces and their identities, each
 * run's recorded identities, its `netns-add` step, what undo would refuse,
 * the namespace's addresses): a stat(2) pair each time, before, for every
 * run. A question whose read failed (no read access) is asked again.
 */
export class LookIpReader extends SnapshotIpReader {
  /** Each name's entry state, as first read. */
  private readonly states = new Map<string, "absent" | "live" | "stale">();
  /** Each name's identity, as first read (`undefined`: no namespace mount there). */
  private readonly identities = new Map<string, NetnsIdentity | undefined>();

  /**
   * Makes the reader of one look.
   * @param run The process seam; wrapped in a memoizing runner (see {@link SnapshotIpReader}).
   * @param reads How an entry is read; by default by stat(2), as every reader does.
   */
  constructor(run: Runner, private readonly reads?: NetnsEntryReads) {
    super(run);
  }

  /**
   * The entry's state at this look (`IpReader.netnsEntryState`, read once per name).
   * @param name The namespace name.
   * @returns The state.
   */
  override netnsEntryState(name: string): "absent" | "live" | "stale" {
    let state = this.states.get(name);
    if (state === undefined) {
      state = this.reads ? this.reads.state(name) : super.netnsEntryState(name);
      this.states.set(name, state);
    }
    return state;
  }

  /**
   * The namespace's identity at this look (`IpReader.netnsIdentity`, read once per name).
   * @param name The namespace name.
   * @returns Its identity, or `undefined` when the entry is missing or not a namespace mount.
   */
  override netnsIdentity(name: string): NetnsIdentity | undefined {
    if (!this.identities.has(name)) {
      this.identities.set(name, this.reads ? this.reads.identity(name) : super.netnsIdentity(name));
    }
    return this.identities.get(name);
  }
}

/**
 * The reads every look at the host begins with, started before the runs are
 * known: the host's snapshot (`ip -json -details -batch -`, read through its
 * own memoizing reader) and, when `/run/netns` names any namespace, one
 * `lsns` scan of the processes ({@link lsnsProcessCounts}). `status` starts
 * them while it reads its journal, so that they cost no wait of their own.
 */
export interface Begun {
  /** The reader the look answers from, its host snapshot on its way. */
  ip: LookIpReader;
  /** The runner of the look's other reads (the reader's, gated: {@link Begun.shut}). */
  run: Runner;
  /** The host's snapshot, read. */
  host: Promise<void>;
  /** The scan of the processes by namespace inode; `undefined` when none was started (no name in `/run/netns`). */
  scan?: Promise<Map<number, number> | undefined>;
  /**
   * Shuts the reader for the quick look: from now on a read of a namespace that was live at the look is answered
   * {@link Unread}, but one of the namespaces to read inside all the same; one that was not live is read (it fails
   * at once).
   */
  shut(live: ReadonlySet<string>, readable: ReadonlySet<string>): void;
  /** Settles once every read started has ended (used or not: the command waits for its processes). */
  settled: Promise<unknown>;
}

/**
 * Whether `/run/netns` names any network namespace (readdir, no process).
 * @returns `false` when it has no entry or does not exist.
 * @throws {Deno.errors.PermissionDenied} | {Deno.errors.NotCapable} Without read access to `/run/netns`.
 */
function anyNamedNetns(): boolean {
  try {
    for (const _ of Deno.readDirSync(NETNS_RUN_DIR)) return true;
    return false;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/**
 * Starts the reads of the host every look begins with ({@link Begun}).
 * @param run The process seam (not memoizing across looks: a look begun again reads again).
 * @param scan Whether to start the scan of the processes: by default when `/run/netns` names any namespace (a
 *   namespace named later is scanned for by {@link lookOnce} when a run names it).
 * @returns The reads under way.
 * @throws {Deno.errors.PermissionDenied} | {Deno.errors.NotCapable} Without read access to `/run/netns`.
 */
export function beginLook(run: Runner, scan: boolean = anyNamedNetns()): Begun {
  let open = true;
  let live: ReadonlySet<string> = new Set();
  let readable: ReadonlySet<string> = new Set();
  const look = memoRunner(run);
  // Quick, once shut: a read of a live namespace is not made (Unread), but of one to read inside all the same; a
  // namespace that is not live fails at once.
  const gated: Runner = (argv, opts) => {
    const ns = netnsRead(argv);
    if (open || (ns !== undefined && (readable.has(ns) || !live.has(ns)))) return look(argv, opts);
    return Promise.reject(new Unread(argv));
  };
  const ip = new LookIpReader(gated);
  const host = ip.prefetch();
  const scanned = scan ? lsnsProcessCounts(run) : undefined;
  const settled = Promise.allSettled([host, scanned]);
  const shut = (liveNow: ReadonlySet<string>, these: ReadonlySet<string>) => {
    open = false;
    live = liveNow;
    readable = these;
  };
  return { ip, run: gated, host, scan: scanned, shut, settled };
}

/**
 * Takes `status`'s one look at the host.
 * @param run The process seam.
 * @param runs The runs to be checked (of this boot, recorded here).
 * @param asked `deep` or `quick` when the command asked for one; `undefined`
 *   for the list view's own choice: deep up to {@link DEEP_UP_TO} live namespaces.
 * @param begun The look's first reads, begun before the runs were known ({@link beginLook}), when they may serve:
 *   nothing the runs' records say happened after they began. By default they are begun now.
 * @returns The look.
 * @throws {Error} Only what the process seam throws besides {@link CommandError}.
 */
export async function lookOnce(run: Runner, runs: readonly RunView[], asked?: Depth, begun?: Begun): Promise<Look> {
  // No run to check: nothing to read.
  if (runs.length === 0) {
    return {
      depth: depthFor(0, asked),
      ip: new LookIpReader(run),
      run,
      processes: new Map(),
      live: [],
      inside: new Set(),
    };
  }
  // The host's snapshot is taken while the processes are counted; each namespace's only after (a read of a
  // namespace is a process inside it while it runs). Quick, the reader is shut once the host's snapshot is in.
  // Begun now, the scan is started only for the live namespaces named (netnsProcessCounts).
  const b = begun ?? beginLook(run, false);
  const named = [...new Set(runs.flatMap((r) => r.steps.flatMap((s) => "netns" in s && s.netns ? [s.netns] : [])))];
  // Each name's entry and, live, its identity (by stat), read once for the look: the checks ask the same reader.
  const live = named.filter((n) => b.ip.netnsEntryState(n) === "live");
  const identities = new Map(live.map((n) => [n, b.ip.netnsIdentity(n)]));
  const depth = depthFor(live.length, asked);
  const [processes] = await Promise.all([
    netnsProcessCounts(run, live, (n) => identities.get(n)?.ino, b.scan),
    b.host,
  ]);
  // Quick, a namespace that is not the one its run made is read all the same: what the run made there went with
  // its own namespace, which a stat cannot tell (one process each, for namespaces deleted and made again by hand).
  const inside = new Set(depth === "deep" ? live : replacedNetns(runs, identities));
  await Promise.all([...inside].map((n) => b.ip.prefetch(n)));
  if (depth === "quick") b.shut(new Set(live), inside);
  return { depth, ip: b.ip, run: b.run, processes, live, inside };
}

/**
 * The live namespaces that are no longer the one a run made: the name's
 * `/run/netns` entry is another namespace (device or inode, by stat) than
 * the identity its run recorded (deleted and made again under the same
 * name, e.g. by `ip netns del` and `ip netns add`).
 * @param runs The runs.
 * @param live Each live namespace the runs name, with its identity now ({@link netnsIdentity}).
 * @returns Those names.
 */
export function replacedNetns(
  runs: readonly RunView[],
  live: ReadonlyMap<string, NetnsIdentity | undefined>,
): string[] {
  const replaced = new Set<string>();
  for (const r of runs) {
    for (const [key, recorded] of Object.entries(r.identities)) {
      const id = identityKey(key);
      const now = id?.type === "netns" ? live.get(id.name) : undefined;
      if (now !== undefined && !sameIdentity(recorded, now)) replaced.add(id!.name);
    }
  }
  return [...replaced];
}

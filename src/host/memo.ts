/**
 * One look at the host, shared: a reader for a moment in which nsrecipe
 * changes nothing (e.g. `status` checking every run's steps, or verifying a
 * batch of steps once it has run). Every distinct read runs once, and a
 * question about one link, its addresses or its neighbours is answered from
 * the whole list of its network namespace, so checking N steps costs one
 * snapshot per namespace instead of N processes.
 *
 * @module
 */
import { CommandError } from "../errors.ts";
import { type ExecOptions, hintFor, type Runner } from "../exec/mod.ts";
import {
  configuredNoarp,
  goesThrough,
  type IpAddrLink,
  type IpLink,
  type IpNeigh,
  IpReader,
  type IpRoute,
  parseToolJson,
  withoutRouteDetails,
} from "./ip_json.ts";

/** Every exit code a started program can return. */
const ANY_EXIT: readonly number[] = Array.from({ length: 256 }, (_, i) => i);

/**
 * Two runners over one cache of reads, for a moment in which nsrecipe
 * changes nothing: `fresh` always runs its command and keeps the result;
 * `cached` answers a command already run (by either) with the result kept,
 * and runs and keeps any other. Each caller's `okCodes` is applied to the
 * result as the real runner would (a code not listed throws
 * {@link CommandError}). Only for commands that read: a command that changes
 * something must not go through it.
 *
 * E.g. a check that polls until a link has carrier reads `fresh`, and a
 * later read of the same link, with nothing changed since, is answered from
 * the poll's last result.
 *
 * @param run The process seam.
 * @returns The two runners.
 */
export function readCache(run: Runner): { fresh: Runner; cached: Runner } {
  const seen = new Map<string, ReturnType<Runner>>();
  const key = (argv: readonly string[], stdin?: string) => JSON.stringify([argv, stdin ?? null]);
  const checked = async (
    argv: readonly string[],
    okCodes: readonly number[] | undefined,
    result: ReturnType<Runner>,
  ) => {
    const r = await result;
    if (!(okCodes ?? [0]).includes(r.code)) throw new CommandError(argv, r.code, r.stderr, hintFor(argv, r.stderr));
    return r;
  };
  const runAndKeep = (argv: readonly string[], opts: ExecOptions) => {
    const result = run(argv, { ...opts, okCodes: ANY_EXIT });
    seen.set(key(argv, opts.stdin), result);
    return result;
  };
  return {
    fresh: (argv, opts = {}) => checked(argv, opts.okCodes, runAndKeep(argv, opts)),
    cached: (argv, opts = {}) => checked(argv, opts.okCodes, seen.get(key(argv, opts.stdin)) ?? runAndKeep(argv, opts)),
  };
}

/**
 * A runner that runs each distinct command (argv and stdin) once and answers
 * repeats with the same result: the `cached` side of a {@link readCache}.
 *
 * @param run The process seam.
 * @returns The memoizing runner.
 */
export function memoRunner(run: Runner): Runner {
  return readCache(run).cached;
}

/**
 * The whole list of a namespace, or `[]` when the namespace cannot be read
 * (it is gone): what a per-object read of a missing namespace also answers.
 */
async function orNone<T>(list: Promise<T[]>): Promise<T[]> {
  try {
    return await list;
  } catch (e) {
    if (e instanceof CommandError) return [];
    throw e;
  }
}

/**
 * The lines of one whole look at a namespace, for `ip [-n NS] -json -details
 * -batch -` (ip(8) `-batch`: one JSON array per line): its links with their
 * details and addresses, its routes of both families in every table
 * (ip-route(8) `root PREFIX` selects the routes of that prefix's family,
 * `0/0` all of them), and its static neighbour entries (`-details` changes
 * no neighbour entry).
 */
export const WHOLE_LOOK_LINES: readonly string[] = [
  "addr show",
  "route show table all root 0.0.0.0/0",
  "route show table all root ::/0",
  "neigh show nud permanent",
  "neigh show nud noarp",
  "neigh show proxy",
];

/**
 * Reads appended to a batch of changes, so that one `ip -json -details
 * -batch -` process makes the changes and then looks at their result
 * (`src/engine/ip_batch.ts`, `withReads`): the lines, and what takes their
 * answers.
 */
export interface BatchReads {
  /** The read lines, e.g. `["addr show dev veth-web", "route show table all root 0.0.0.0/0"]`. */
  lines: string[];
  /**
   * Takes what the reads printed.
   * @param answered One JSON line for each of the first `answered.length` lines, in order.
   * @param failure When the line after them failed (iproute2 stops a batch there): its message, e.g.
   *   `Device "p-1a2b" does not exist.`; the lines after it did not run.
   */
  accept(answered: readonly string[], failure?: string): void;
}

/** What {@link SnapshotIpReader} knows of one namespace ahead of the questions (each part read together). */
interface Ahead {
  /** Every link with details and addresses. */
  links?: IpAddrLink[];
  /** Every route of each family, in the form `ip -json route show` gives. */
  routes?: { 4: IpRoute[]; 6: IpRoute[] };
  /** Static neighbour entries, as {@link IpReader.staticNeighbours}. */
  neighbours?: IpNeigh[];
}

/**
 * An {@link IpReader} over one snapshot: each network namespace's links and
 * addresses are read once, together (`ip -json -details addr show` carries
 * every link with its details and its addresses; ip-address(8)), other
 * whole lists once each ({@link memoRunner}), and per-link questions are
 * answered from them. The answers are those of the moment of the first read;
 * make a new one to look again.
 */
export class SnapshotIpReader extends IpReader {
  private readonly memo: Runner;
  /** Lists read ahead by {@link prefetch} or a batch's reads, by namespace (`""` for the caller's own). */
  protected readonly ahead = new Map<string, Ahead>();
  /** The routes read ahead, by namespace, indexed by the links they go through ({@link routesThrough}). */
  private readonly routesByLink = new Map<string, { of: Ahead["routes"]; byLink: Map<string, IpRoute[]> }>();
  /**
   * The links read ahead, by namespace, indexed by name once for that read ({@link link}, {@link addrs}: a look that
   * asks about every run's links finds each by its name, not by a scan of the whole list).
   */
  private readonly linksByName = new Map<string, { of: IpAddrLink[]; byName: Map<string, IpAddrLink[]> }>();
  /** The processes inside named namespaces, read by {@link prefetchWithProcesses}, by name. */
  private readonly pids = new Map<string, number[]>();

  /**
   * Makes a reader whose first read of each kind is the snapshot.
   * @param run The process seam; wrapped in a {@link memoRunner}.
   */
  constructor(run: Runner) {
    const memo = memoRunner(run);
    super(memo);
    this.memo = memo;
  }

  /**
   * Reads a namespace's links with their addresses, its routes of both
   * families and its static neighbour entries in one process, `ip [-n NS]
   * -json -details -batch -` with the lines of {@link WHOLE_LOOK_LINES},
   * instead of one process for each. Later questions about that namespace
   * are answered from it exactly as from the separate reads (the routes are
   * brought back to their form without `-details`,
   * {@link withoutRouteDetails}; of the `noarp` entries only those an admin
   * added are kept, as {@link IpReader.staticNeighbours} does). When the
   * batch fails (e.g. the namespace is gone), nothing is kept and each
   * question reads on its own, with that read's own answer or error. Nothing
   * is read when a batch's reads ({@link batchReads}) already gave all of it.
   *
   * @param netns Named netns, or `undefined` for the caller's own.
   * @returns When the read is over.
   * @throws {Error} Only what the process seam throws besides {@link CommandError}.
   */
  async prefetch(netns?: string): Promise<void> {
    const known = this.ahead.get(netns ?? "");
    if (known?.links && known.routes && known.neighbours) return;
    const argv = [...(netns === undefined ? ["ip"] : ["ip", "-n", netns]), "-json", "-details", "-batch", "-"];
    const stdin = WHOLE_LOOK_LINES.map((l) => `${l}\n`).join("");
    let out: string;
    try {
      out = (await this.memo(argv, { stdin })).stdout;
    } catch (e) {
      if (e instanceof CommandError) return;
      throw e;
    }
    this.acceptWhole(netns, out.split("\n").filter((l) => l.trim() !== ""));
  }

  /**
   * Reads a named netns's links with their details and addresses and the
   * processes inside it in one process: `ip -n NS -json -details -batch -`
   * with the lines `addr show` and `netns pids NS` (ip-netns(8): it stats
   * `/run/netns/NS` and every `/proc/PID/ns/net`, whichever namespace `ip` is
   * in; one PID a line, nothing for none). That `ip` is itself inside NS
   * while it reads, so it lists its own PID, which the process seam reports
   * (`ExecResult.pid`) and which is left out. Later questions about the
   * netns's links are answered from it, the first about its processes too
   * (with a seam that reports no PID, they are read on their own). When the
   * read fails (the netns is gone), nothing is kept.
   * @param netns The named netns.
   * @returns When the read is over.
   * @throws {Error} Only what the process seam throws besides {@link CommandError}.
   */
  async prefetchWithProcesses(netns: string): Promise<void> {
    const argv = ["ip", "-n", netns, "-json", "-details", "-batch", "-"];
    let result;
    try {
      result = await this.memo(argv, { stdin: `addr show\nnetns pids ${netns}\n` });
    } catch (e) {
      if (e instanceof CommandError) return;
      throw e;
    }
    const [links, ...pids] = result.stdout.split("\n").filter((l) => l.trim() !== "");
    if (links === undefined || !links.startsWith("[") || !pids.every((l) => /^\d+$/.test(l))) return;
    const ahead = this.ahead.get(netns) ?? {};
    ahead.links = parseToolJson(links) as IpAddrLink[];
    this.ahead.set(netns, ahead);
    // Its own PID must be among them: were it not, the list is not what this look assumes.
    if (result.pid !== undefined && pids.includes(String(result.pid))) {
      this.pids.set(netns, pids.map(Number).filter((p) => p !== result.pid));
    }
  }

  /**
   * PIDs of the processes inside a named netns: from {@link prefetchWithProcesses}
   * when it read them, else read once.
   * @param name The netns name.
   * @returns PIDs; `[]` when the netns does not exist.
   */
  override async netnsPids(name: string): Promise<number[]> {
    const ahead = this.pids.get(name);
    return ahead ? [...ahead] : await super.netnsPids(name);
  }

  /**
   * The reads of a whole look at a namespace ({@link WHOLE_LOOK_LINES}), to
   * append to a batch of changes run there (`ip [-n NS] -json -details -batch
   * -`): once they answered, questions about the namespace are answered from
   * them as from {@link prefetch}; otherwise as if they were never read.
   * @param netns The namespace the batch runs in: named netns, or `undefined` for the caller's own.
   * @returns The lines and what takes their answers.
   */
  batchReads(netns?: string): BatchReads {
    return {
      lines: [...WHOLE_LOOK_LINES],
      accept: (answered) => {
        this.acceptWhole(netns, answered);
      },
    };
  }

  /**
   * Keeps the caller's own namespace's routes of both families as read
   * together (a batch's reads, in the form `ip -json route show` gives):
   * later route questions are answered from them.
   * @param routes The routes of each family, in kernel order.
   */
  protected keepRoutes(routes: { 4: IpRoute[]; 6: IpRoute[] }): void {
    const ahead = this.ahead.get("") ?? {};
    ahead.routes = routes;
    this.ahead.set("", ahead);
  }

  /**
   * Keeps a whole look at a namespace from the JSON lines of {@link WHOLE_LOOK_LINES}, in order.
   * @returns Whether every line was there.
   */
  private acceptWhole(netns: string | undefined, lines: readonly string[]): boolean {
    if (lines.length !== WHOLE_LOOK_LINES.length) return false;
    const [links, v4, v6, permanent, noarp, proxy] = lines.map((l) => parseToolJson(l));
    const ahead = this.ahead.get(netns ?? "") ?? {};
    ahead.links = links as IpAddrLink[];
    ahead.routes = {
      4: (v4 as IpRoute[]).map(withoutRouteDetails),
      6: (v6 as IpRoute[]).map(withoutRouteDetails),
    };
    ahead.neighbours = [
      ...permanent as IpNeigh[],
      ...(noarp as IpNeigh[]).filter(configuredNoarp),
      ...proxy as IpNeigh[],
    ];
    this.ahead.set(netns ?? "", ahead);
    return true;
  }

  /** Every link of a namespace with its details and addresses, read once. */
  private async all(netns?: string): Promise<IpAddrLink[]> {
    const ahead = this.ahead.get(netns ?? "")?.links;
    if (ahead) return [...ahead];
    const argv = [...(netns === undefined ? ["ip"] : ["ip", "-n", netns]), "-json", "-details", "addr", "show"];
    const text = (await this.memo(argv)).stdout.trim();
    return text === "" ? [] : parseToolJson(text) as IpAddrLink[];
  }

  /**
   * Routes of one family in every table, from a read ahead of that
   * namespace's routes ({@link prefetch}, a batch's reads) when there was
   * one, else read once.
   * @param family 4 or 6.
   * @param netns Named netns, or `undefined` for the caller's own.
   * @returns The routes, in kernel order.
   * @throws {CommandError} When the namespace cannot be read.
   */
  override async routes(family: 4 | 6, netns?: string): Promise<IpRoute[]> {
    const ahead = this.ahead.get(netns ?? "")?.routes;
    return ahead ? [...ahead[family]] : await super.routes(family, netns);
  }

  /**
   * The routes through a link, from a read ahead of that namespace's routes
   * ({@link prefetch}, a batch's reads) when there was one, indexed by link
   * once for that read (a look that asks it of every run's links scans the
   * routes once, not once per link); else as {@link IpReader.routesThrough}.
   * @param dev The link's name.
   * @param netns Named netns, or `undefined` for the caller's own.
   * @returns The routes, IPv4 first, each family in kernel order.
   * @throws {CommandError} When the namespace cannot be read.
   */
  override async routesThrough(dev: string, netns?: string): Promise<IpRoute[]> {
    const ahead = this.ahead.get(netns ?? "")?.routes;
    if (!ahead) return await super.routesThrough(dev, netns);
    let index = this.routesByLink.get(netns ?? "");
    if (index?.of !== ahead) {
      const byLink = new Map<string, IpRoute[]>();
      for (const r of [...ahead[4], ...ahead[6]]) {
        const devs = new Set([r.dev, ...(r.nexthops ?? []).map((n) => n.dev)]);
        for (const d of devs) if (d !== undefined) byLink.set(d, [...byLink.get(d) ?? [], r]);
      }
      index = { of: ahead, byLink };
      this.routesByLink.set(netns ?? "", index);
    }
    return (index.byLink.get(dev) ?? []).filter((r) => goesThrough(r, dev));
  }

  /**
   * The links of a list read ahead by their name, each name's in the list's (kernel) order; built once per list.
   * @param netns Named netns, or `undefined` for the caller's own.
   * @param links That namespace's links read ahead.
   * @returns The index.
   */
  private byName(netns: string | undefined, links: IpAddrLink[]): Map<string, IpAddrLink[]> {
    let index = this.linksByName.get(netns ?? "");
    if (index?.of !== links) {
      const byName = new Map<string, IpAddrLink[]>();
      for (const l of links) {
        const same = byName.get(l.ifname);
        if (same) same.push(l);
        else byName.set(l.ifname, [l]);
      }
      index = { of: links, byName };
      this.linksByName.set(netns ?? "", index);
    }
    return index.byName;
  }

  /**
   * Every link of a namespace, with details.
   * @param netns Named netns, or `undefined` for the caller's own.
   * @returns The links.
   * @throws {CommandError} When the namespace cannot be read.
   */
  override async links(netns?: string): Promise<IpLink[]> {
    return (await this.all(netns)) as unknown as IpLink[];
  }

  /**
   * One link, from the namespace's whole list.
   * @param dev Link name.
   * @param netns Named netns, or `undefined` for the caller's own.
   * @returns The link, or `undefined` when it (or its namespace) does not exist.
   */
  override async link(dev: string, netns?: string): Promise<IpLink | undefined> {
    const ahead = this.ahead.get(netns ?? "")?.links;
    if (ahead) return this.byName(netns, ahead).get(dev)?.[0] as IpLink | undefined;
    return (await orNone(this.links(netns))).find((l) => l.ifname === dev);
  }

  /**
   * Addresses, of one link or of every link, from the namespace's whole list.
   * @param netns Named netns, or `undefined` for the caller's own.
   * @param dev Only this link; `[]` when it (or its namespace) does not exist.
   * @returns Links with their addresses.
   * @throws {CommandError} When the namespace cannot be read and no `dev` is given.
   */
  override async addrs(netns?: string, dev?: string): Promise<IpAddrLink[]> {
    if (dev === undefined) return await this.all(netns);
    const ahead = this.ahead.get(netns ?? "")?.links;
    if (ahead) return [...this.byName(netns, ahead).get(dev) ?? []];
    return (await orNone(this.all(netns))).filter((l) => l.ifname === dev);
  }

  /**
   * Permanent and proxy neighbour entries, of one link or of all.
   * @param netns Named netns, or `undefined` for the caller's own.
   * @param dev Only this link.
   * @returns The entries.
   */
  override async staticNeighbours(netns?: string, dev?: string): Promise<IpNeigh[]> {
    const ahead = this.ahead.get(netns ?? "")?.neighbours;
    if (ahead) return ahead.filter((n) => dev === undefined || n.dev === dev);
    if (dev === undefined) return await super.staticNeighbours(netns);
    return (await orNone(super.staticNeighbours(netns))).filter((n) => n.dev === dev);
  }
}

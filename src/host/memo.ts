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
import { type IpAddrLink, type IpLink, type IpNeigh, IpReader, parseToolJson } from "./ip_json.ts";

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
 * An {@link IpReader} over one snapshot: each network namespace's links and
 * addresses are read once, together (`ip -json -details addr show` carries
 * every link with its details and its addresses; ip-address(8)), other
 * whole lists once each ({@link memoRunner}), and per-link questions are
 * answered from them. The answers are those of the moment of the first read;
 * make a new one to look again.
 */
export class SnapshotIpReader extends IpReader {
  private readonly memo: Runner;

  /**
   * Makes a reader whose first read of each kind is the snapshot.
   * @param run The process seam; wrapped in a {@link memoRunner}.
   */
  constructor(run: Runner) {
    const memo = memoRunner(run);
    super(memo);
    this.memo = memo;
  }

  /** Every link of a namespace with its details and addresses, read once. */
  private async all(netns?: string): Promise<IpAddrLink[]> {
    const argv = [...(netns === undefined ? ["ip"] : ["ip", "-n", netns]), "-json", "-details", "addr", "show"];
    const text = (await this.memo(argv)).stdout.trim();
    return text === "" ? [] : parseToolJson(text) as IpAddrLink[];
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
    return (await orNone(this.all(netns))).filter((l) => l.ifname === dev);
  }

  /**
   * Permanent and proxy neighbour entries, of one link or of all.
   * @param netns Named netns, or `undefined` for the caller's own.
   * @param dev Only this link.
   * @returns The entries.
   */
  override async staticNeighbours(netns?: string, dev?: string): Promise<IpNeigh[]> {
    if (dev === undefined) return await super.staticNeighbours(netns);
    return (await orNone(super.staticNeighbours(netns))).filter((n) => n.dev === dev);
  }
}

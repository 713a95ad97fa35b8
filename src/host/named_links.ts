/**
 * A look at the host that reads the links it is told about by name, all in
 * one process, instead of the host's whole list: on a host with thousands of
 * links the whole list is what would cost (a crowded host), while a batch of
 * steps asks about two or three links.
 *
 * @module
 */
import { CommandError } from "../errors.ts";
import type { Runner } from "../exec/mod.ts";
import { type IpAddrLink, type IpLink, type IpRoute, parseToolJson, withoutRouteDetails } from "./ip_json.ts";
import { type BatchReads, SnapshotIpReader } from "./memo.ts";

/** Every exit code a started program can return. */
const ANY_EXIT: readonly number[] = Array.from({ length: 256 }, (_, i) => i);

/** The route lines of a look, IPv4 then IPv6 (ip-route(8) `root PREFIX` selects that prefix's family). */
const ROUTE_LINES = ["route show table all root 0.0.0.0/0", "route show table all root ::/0"] as const;

/**
 * Reads host links by name with their details and addresses in one process:
 * `ip -force -json -details -batch -` with one line `addr show dev NAME` each
 * (ip(8) `-batch`: one JSON array per line that succeeds; `-force`: "Don't
 * terminate ip on errors in batch mode", so a line naming a link that does
 * not exist prints `Device "NAME" does not exist.` and `Command failed -:N`
 * on stderr, N the 1-based line, and the batch goes on).
 * @param run The process seam.
 * @param names Link names in the caller's namespace, e.g. `["veth-web", "br0"]`.
 * @returns Each name with its link (`ip -json -details addr show dev NAME`'s
 *   one entry), or `undefined` when no link has that name.
 * @throws {CommandError} When `ip` cannot be run, or its output does not
 *   match its lines (then nothing it printed is trusted).
 */
export async function readNamedLinks(
  run: Runner,
  names: readonly string[],
): Promise<Map<string, IpAddrLink | undefined>> {
  return (await readNamedLook(run, names, false)).links;
}

/**
 * {@link readNamedLinks}, and when asked the routes of both families in
 * every table in the same process (the lines `route show table all root
 * 0.0.0.0/0` and `… root ::/0` after the names; brought back to the form
 * `ip -json route show` gives, {@link withoutRouteDetails}).
 * @param run The process seam.
 * @param names Link names in the caller's namespace, e.g. `["veth-web", "br0"]`.
 * @param routes Whether to read the routes too.
 * @returns The links by name (`undefined`: no such link), and the routes when asked.
 * @throws {CommandError} When `ip` cannot be run, a route line fails, or
 *   its output does not match its lines (then nothing it printed is trusted).
 */
export async function readNamedLook(
  run: Runner,
  names: readonly string[],
  routes: boolean,
): Promise<{ links: Map<string, IpAddrLink | undefined>; routes?: { 4: IpRoute[]; 6: IpRoute[] } }> {
  const argv = ["ip", "-force", "-json", "-details", "-batch", "-"];
  const lines = [...names.map((n) => `addr show dev ${n}`), ...(routes ? ROUTE_LINES : [])];
  const r = await run(argv, { stdin: lines.map((l) => `${l}\n`).join(""), okCodes: ANY_EXIT });
  const failed = new Set([...r.stderr.matchAll(/^Command failed -:(\d+)$/gm)].map((m) => Number(m[1])));
  const out = r.stdout.split("\n").filter((l) => l.trim() !== "");
  if (r.code > 1 || out.length + failed.size !== lines.length || [...failed].some((n) => n > names.length)) {
    throw new CommandError(argv, r.code, r.stderr || `${out.length} answers to ${lines.length} lines`);
  }
  const links = new Map<string, IpAddrLink | undefined>();
  let next = 0;
  for (const [i, name] of names.entries()) {
    if (failed.has(i + 1)) links.set(name, undefined);
    else links.set(name, (parseToolJson(out[next++]) as IpAddrLink[])[0]);
  }
  if (!routes) return { links };
  const [v4, v6] = out.slice(next).map((l) => (parseToolJson(l) as IpRoute[]).map(withoutRouteDetails));
  return { links, routes: { 4: v4, 6: v6 } };
}

/** The host's links and addresses as one look gave them (the shape of `HostFacts.links` and `.addrs`). */
export interface SeenLinks {
  /** Every link, with details (`ip -json -details link show`). */
  links: readonly IpLink[];
  /** Every link with its addresses (`ip -json addr show`). */
  addrs: readonly IpAddrLink[];
}

/** Whether iproute2's message for a failed `addr show dev NAME` says the link does not exist. */
function saysNoSuchLink(message: string, name: string): boolean {
  return message.split("\n").some((l) => l.trim() === `Device "${name}" does not exist.`);
}

/**
 * A {@link SnapshotIpReader} that answers questions about some host links
 * (the link, its addresses) and the host's routes from one
 * {@link readNamedLook} of all of them, read on the first such question;
 * every other question as the snapshot does. Only names free of whitespace and quotes are batched (link names
 * are, netdevice(7)); another is asked as the snapshot does. The names may
 * also be answered by a look taken with them (`seen`), or by the reads a
 * batch of changes made of them ({@link batchReads}); a name neither
 * answered is read on the first question, with every other such name.
 */
export class NamedLinksReader extends SnapshotIpReader {
  private readonly names: readonly string[];
  /** The names answered so far: the link, or `undefined` for none of that name. */
  private readonly known = new Map<string, IpAddrLink | undefined>();
  /** The read of the names not answered, once started. */
  private reading?: Promise<void>;

  /** The process seam, for the names' read. */
  private readonly runner: Runner;

  /**
   * Makes a reader whose first question about one of `names` reads them all.
   * @param run The process seam.
   * @param names Host link names to read together, e.g. the links a batch of steps names.
   * @param seen The host's links (with details) and addresses as a look taken
   *   since the host's last change gave them (`HostFacts.links`, `.addrs`):
   *   the names are answered from them, without a process.
   * @param routes Whether the host's routes will be asked too: the first read
   *   of the names then reads them in the same process (else the first route
   *   question does, with the names not read yet).
   */
  constructor(run: Runner, names: Iterable<string>, seen?: SeenLinks, private readonly routesToo = false) {
    super(run);
    this.runner = run;
    this.names = [...new Set(names)].filter((n) => /^[^\s"'\\#]+$/.test(n));
    if (seen) {
      for (const n of this.names) {
        const link = seen.links.find((l) => l.ifname === n);
        const addrs = seen.addrs.find((a) => a.ifname === n);
        this.known.set(n, link && ({ ...link, addr_info: addrs?.addr_info ?? [] } as unknown as IpAddrLink));
      }
    }
  }

  /**
   * Reads, in one process, the names not answered yet, and the host's routes
   * when `routes` and no look answered them; waits for a read under way
   * first (concurrent questions share one read).
   * @param routes Whether the routes are asked.
   */
  private async readAhead(routes: boolean): Promise<void> {
    if (this.reading) await this.reading;
    const pending = this.names.filter((n) => !this.known.has(n));
    const withRoutes = routes && this.ahead.get("")?.routes === undefined;
    if (pending.length === 0 && !withRoutes) return;
    this.reading = readNamedLook(this.runner, pending, withRoutes).then((got) => {
      for (const [n, link] of got.links) this.known.set(n, link);
      if (got.routes) this.keepRoutes(got.routes);
    });
    await this.reading;
  }

  /** A named host link (`undefined`: no such link); `null` when `dev` is not one of the names. */
  private async lookup(dev: string, netns?: string): Promise<IpAddrLink | undefined | null> {
    if (netns !== undefined || !this.names.includes(dev)) return null;
    if (!this.known.has(dev)) await this.readAhead(this.routesToo);
    return this.known.get(dev);
  }

  /**
   * Routes of one family in every table: the host's read once, with the
   * names not answered yet in the same process (when no look gave them), a
   * named netns's as the snapshot.
   * @param family 4 or 6.
   * @param netns Named netns, or `undefined` for the caller's own.
   * @returns The routes, in kernel order.
   * @throws {CommandError} When they cannot be read.
   */
  override async routes(family: 4 | 6, netns?: string): Promise<IpRoute[]> {
    if (netns === undefined && this.ahead.get("")?.routes === undefined) await this.readAhead(true);
    return await super.routes(family, netns);
  }

  /**
   * One link: a named host link from the names' read, else as the snapshot.
   * @param dev Link name.
   * @param netns Named netns, or `undefined` for the caller's own.
   * @returns The link, or `undefined` when it does not exist.
   */
  override async link(dev: string, netns?: string): Promise<IpLink | undefined> {
    const found = await this.lookup(dev, netns);
    return found === null ? await super.link(dev, netns) : found as unknown as IpLink | undefined;
  }

  /**
   * Addresses: of a named host link from the names' read, else as the snapshot.
   * @param netns Named netns, or `undefined` for the caller's own.
   * @param dev Only this link.
   * @returns Links with their addresses; `[]` for a link that does not exist.
   */
  override async addrs(netns?: string, dev?: string): Promise<IpAddrLink[]> {
    const found = dev === undefined ? null : await this.lookup(dev, netns);
    if (found === null) return await super.addrs(netns, dev);
    return found ? [found] : [];
  }

  /**
   * The reads to append to a batch of changes run in the caller's own
   * namespace (`ip -json -details -batch -`, without `-force`: iproute2 stops
   * at the first line that fails, ip(8)): `addr show dev NAME` for each name
   * not answered yet, then both families' routes in every table (when asked), then the
   * names in `gone` (links the batch moves away, which must then be absent),
   * so that a missing link stops the reads at the end. A line that fails
   * with `Device "NAME" does not exist.` answers that the link is gone; names
   * after it are read on the first question, as before. For a batch in a
   * named netns: the whole look at it (see {@link SnapshotIpReader.batchReads}).
   * @param netns The namespace the batch runs in: named netns, or `undefined` for the caller's own.
   * @param gone Names the batch moves out of the caller's namespace, e.g. the peer of a veth moved into a netns.
   * @param routes Whether to read the routes (a host with a full routing table should not be read whole for a
   *   batch that changes no route).
   * @returns The lines and what takes their answers.
   */
  override batchReads(netns?: string, gone: ReadonlySet<string> = new Set(), routes = true): BatchReads {
    if (netns !== undefined) return super.batchReads(netns);
    const pending = this.names.filter((n) => !this.known.has(n));
    type Read = { name: string } | { family: 4 | 6 };
    const reads: Read[] = [
      ...pending.filter((n) => !gone.has(n)).map((name) => ({ name })),
      ...(routes ? [{ family: 4 as const }, { family: 6 as const }] : []),
      ...pending.filter((n) => gone.has(n)).map((name) => ({ name })),
    ];
    const found: { 4?: IpRoute[]; 6?: IpRoute[] } = {};
    return {
      lines: reads.map((r) =>
        "name" in r ? `addr show dev ${r.name}` : `route show table all root ${r.family === 4 ? "0.0.0.0/0" : "::/0"}`
      ),
      accept: (answered, failure) => {
        for (const [i, text] of answered.entries()) {
          const read = reads[i];
          const json = parseToolJson(text);
          if ("name" in read) this.known.set(read.name, (json as IpAddrLink[])[0]);
          else found[read.family] = (json as IpRoute[]).map(withoutRouteDetails);
        }
        const failed = reads[answered.length];
        if (failure !== undefined && failed && "name" in failed && saysNoSuchLink(failure, failed.name)) {
          this.known.set(failed.name, undefined);
        }
        if (found[4] && found[6]) this.keepRoutes({ 4: found[4], 6: found[6] });
      },
    };
  }
}

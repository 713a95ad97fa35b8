/**
 * The host's own network lists, read in two processes instead of eleven:
 * `ip -batch` runs several read commands in one process and prints one JSON
 * array per command, on a line of its own (ip(8) `-batch`, `-json`).
 *
 * @module
 */
import { CommandError } from "../errors.ts";
import type { Runner } from "../exec/mod.ts";
import {
  configuredNoarp,
  type IpAddrLink,
  type IpLink,
  type IpNeigh,
  type IpNetns,
  IpReader,
  type IpRoute,
  type IpRule,
  parseToolJson,
  withoutRouteDetails,
} from "./ip_json.ts";
import { WHOLE_LOOK_LINES } from "./memo.ts";

/** The host's lists, each as the {@link IpReader} method named in its comment returns it. */
export interface HostLists {
  /** `netnsList()`. */
  netns: IpNetns[];
  /** `links()`: every link with details. */
  links: IpLink[];
  /** `addrs()`: every link with its addresses (and, read with `-details`, its link's details besides). */
  addrs: IpAddrLink[];
  /** `routes(4)`. */
  routes4: IpRoute[];
  /** `routes(6)`. */
  routes6: IpRoute[];
  /** `rules(4)`. */
  rules4: IpRule[];
  /** `rules(6)`. */
  rules6: IpRule[];
  /** `staticNeighbours()`. */
  neighbours: IpNeigh[];
}

/**
 * One `ip -json -details -batch -`: a rule list without a family is IPv4's
 * (ip-rule(8)), as `ip -details -4 rule show`; `route show table all root
 * 0.0.0.0/0` is `ip -4 route show table all` (ip-route(8): `root PREFIX`
 * selects that prefix's family, `/0` every route of it), brought back to its
 * form without `-details` ({@link withoutRouteDetails}); `-details` changes
 * no address, neighbour entry or namespace name, and adds the link's details
 * to each `addr show` entry (kept: {@link HostLists.addrs}). `netns list`
 * comes last: it prints nothing at all when `/run/netns` does not exist
 * (ip-netns(8) lists that directory). The IPv6 rules need a process of their
 * own: a batch line takes no family option.
 */
const LINES = ["link show", "rule show", ...WHOLE_LOOK_LINES, "netns list"];

/** The JSON arrays a batch printed, one per line; `undefined` when it failed. */
async function batch(run: Runner, options: string[], lines: readonly string[]): Promise<unknown[][] | undefined> {
  let out: string;
  try {
    out = (await run(["ip", "-json", ...options, "-batch", "-"], { stdin: lines.map((l) => `${l}\n`).join("") }))
      .stdout;
  } catch (e) {
    if (e instanceof CommandError && e.code !== -1) return undefined;
    throw e;
  }
  return out.split("\n").filter((l) => l.trim() !== "").map((l) => parseToolJson(l) as unknown[]);
}

/**
 * Reads the host's links, addresses, routes, rules, static neighbour entries
 * and named namespaces: one `ip -json -details -batch -` and `ip -json
 * -details -6 rule show`, instead of one process per list. Each list is what
 * the {@link IpReader} method of the same name returns (the addresses with
 * their link's details besides). When the batch fails or prints another
 * number of arrays than it was given lines, the lists are read one process
 * each (with those reads' own errors).
 *
 * @param run The process seam.
 * @param opts `rules6: false`: the IPv6 rules are not read (`[]`): one process fewer, for a plan that looks at none.
 * @returns The lists.
 * @throws {CommandError} When `ip` fails (after the fallback reads).
 */
export async function readHostLists(run: Runner, opts: { rules6?: boolean } = {}): Promise<HostLists> {
  const ip = new IpReader(run);
  const [read, rules6] = await Promise.all([
    batch(run, ["-details"], LINES),
    opts.rules6 === false ? Promise.resolve([]) : ip.rules(6),
  ]);
  const b = read !== undefined && read.length >= LINES.length - 1 && read.length <= LINES.length ? read : undefined;
  if (!b) {
    const [netns, links, addrs, routes4, routes6, rules4, neighbours] = await Promise.all([
      ip.netnsList(),
      ip.links(),
      ip.addrs(),
      ip.routes(4),
      ip.routes(6),
      ip.rules(4),
      ip.staticNeighbours(),
    ]);
    return { netns, links, addrs, routes4, routes6, rules4, rules6, neighbours };
  }
  return {
    links: b[0] as IpLink[],
    rules4: b[1] as IpRule[],
    addrs: b[2] as IpAddrLink[],
    routes4: (b[3] as IpRoute[]).map(withoutRouteDetails),
    routes6: (b[4] as IpRoute[]).map(withoutRouteDetails),
    neighbours: [...b[5], ...(b[6] as IpNeigh[]).filter(configuredNoarp), ...b[7]] as IpNeigh[],
    netns: (b[8] ?? []) as IpNetns[],
    rules6,
  };
}

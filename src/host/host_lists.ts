/**
 * The host's own network lists, read in three processes instead of eleven:
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
} from "./ip_json.ts";

/** The host's lists, each as the {@link IpReader} method named in its comment returns it. */
export interface HostLists {
  /** `netnsList()`. */
  netns: IpNetns[];
  /** `links()`: every link with details. */
  links: IpLink[];
  /** `addrs()`: every link with its addresses. */
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
 * Read without `-details`, each line exactly what `ip -json LINE` prints
 * alone: `route show table all root 0.0.0.0/0` is `ip -4 route show table
 * all` (ip-route(8): `root PREFIX` selects that prefix's family, `/0` every
 * route of it). `netns list` comes last: it prints nothing at all when
 * `/run/netns` does not exist (ip-netns(8) lists that directory).
 */
const PLAIN = [
  "addr show",
  "route show table all root 0.0.0.0/0",
  "route show table all root ::/0",
  "neigh show nud permanent",
  "neigh show nud noarp",
  "neigh show proxy",
  "netns list",
];

/**
 * Read with `-details`: a rule list without a family is IPv4's (ip-rule(8)),
 * as `ip -details -4 rule show`. The IPv6 rules need a process of their own:
 * a batch line takes no family option.
 */
const DETAILED = ["link show", "rule show"];

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
 * and named namespaces: two `ip -batch` processes (one with `-details`) and
 * `ip -json -details -6 rule show`, instead of one process per list. Each
 * list is what the {@link IpReader} method of the same name returns. When a
 * batch fails or prints another number of arrays than it was given lines,
 * its lists are read one process each (with those reads' own errors).
 *
 * @param run The process seam.
 * @returns The lists.
 * @throws {CommandError} When `ip` fails (after the fallback reads).
 */
export async function readHostLists(run: Runner): Promise<HostLists> {
  const ip = new IpReader(run);
  const [plain, detailed, rules6] = await Promise.all([
    batch(run, [], PLAIN),
    batch(run, ["-details"], DETAILED),
    ip.rules(6),
  ]);
  const lists = (read: unknown[][] | undefined, min: number, max: number) =>
    read !== undefined && read.length >= min && read.length <= max ? read : undefined;
  const p = lists(plain, PLAIN.length - 1, PLAIN.length);
  const d = lists(detailed, DETAILED.length, DETAILED.length);
  const [fromPlain, fromDetailed] = await Promise.all([
    p
      ? {
        addrs: p[0] as IpAddrLink[],
        routes4: p[1] as IpRoute[],
        routes6: p[2] as IpRoute[],
        neighbours: [...p[3], ...(p[4] as IpNeigh[]).filter(configuredNoarp), ...p[5]] as IpNeigh[],
        netns: (p[6] ?? []) as IpNetns[],
      }
      : Promise.all([ip.addrs(), ip.routes(4), ip.routes(6), ip.staticNeighbours(), ip.netnsList()]).then((
        [addrs, routes4, routes6, neighbours, netns],
      ) => ({ addrs, routes4, routes6, neighbours, netns })),
    d
      ? { links: d[0] as IpLink[], rules4: d[1] as IpRule[] }
      : Promise.all([ip.links(), ip.rules(4)]).then(([links, rules4]) => ({ links, rules4 })),
  ]);
  return { ...fromPlain, ...fromDetailed, rules6 };
}

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
import { type IpAddrLink, type IpLink, parseToolJson } from "./ip_json.ts";
import { SnapshotIpReader } from "./memo.ts";

/** Every exit code a started program can return. */
const ANY_EXIT: readonly number[] = Array.from({ length: 256 }, (_, i) => i);

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
  const argv = ["ip", "-force", "-json", "-details", "-batch", "-"];
  const r = await run(argv, { stdin: names.map((n) => `addr show dev ${n}\n`).join(""), okCodes: ANY_EXIT });
  const failed = new Set([...r.stderr.matchAll(/^Command failed -:(\d+)$/gm)].map((m) => Number(m[1])));
  const out = r.stdout.split("\n").filter((l) => l.trim() !== "");
  if (r.code > 1 || out.length + failed.size !== names.length) {
    throw new CommandError(argv, r.code, r.stderr || `${out.length} answers to ${names.length} lines`);
  }
  const links = new Map<string, IpAddrLink | undefined>();
  let next = 0;
  for (const [i, name] of names.entries()) {
    if (failed.has(i + 1)) links.set(name, undefined);
    else links.set(name, (parseToolJson(out[next++]) as IpAddrLink[])[0]);
  }
  return links;
}

/** The host's links and addresses as one look gave them (the shape of `HostFacts.links` and `.addrs`). */
export interface SeenLinks {
  /** Every link, with details (`ip -json -details link show`). */
  links: readonly IpLink[];
  /** Every link with its addresses (`ip -json addr show`). */
  addrs: readonly IpAddrLink[];
}

/**
 * A {@link SnapshotIpReader} that answers questions about some host links
 * (the link, its addresses) from one {@link readNamedLinks} of all of them,
 * read on the first such question; every other question as the snapshot
 * does. Only names free of whitespace and quotes are batched (link names
 * are, netdevice(7)); another is asked as the snapshot does.
 */
export class NamedLinksReader extends SnapshotIpReader {
  private readonly names: readonly string[];
  private named?: Promise<Map<string, IpAddrLink | undefined>>;

  /** The process seam, for the names' read. */
  private readonly runner: Runner;

  /**
   * Makes a reader whose first question about one of `names` reads them all.
   * @param run The process seam.
   * @param names Host link names to read together, e.g. the links a batch of steps names.
   * @param seen The host's links (with details) and addresses as a look taken
   *   since the host's last change gave them (`HostFacts.links`, `.addrs`):
   *   the names are answered from them, without a process.
   */
  constructor(run: Runner, names: Iterable<string>, seen?: SeenLinks) {
    super(run);
    this.runner = run;
    this.names = [...new Set(names)].filter((n) => /^[^\s"'\\#]+$/.test(n));
    if (seen) {
      this.named = Promise.resolve(
        new Map(this.names.map((n) => {
          const link = seen.links.find((l) => l.ifname === n);
          const addrs = seen.addrs.find((a) => a.ifname === n);
          return [n, link && ({ ...link, addr_info: addrs?.addr_info ?? [] } as unknown as IpAddrLink)];
        })),
      );
    }
  }

  /** A named host link from the names' read (`undefined`: no such link); `null` when `dev` is not one of them. */
  private async lookup(dev: string, netns?: string): Promise<IpAddrLink | undefined | null> {
    if (netns !== undefined || !this.names.includes(dev)) return null;
    this.named ??= readNamedLinks(this.runner, this.names);
    return (await this.named).get(dev);
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
}

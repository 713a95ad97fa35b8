/**
 * A reader over a shared look at the host that still sees changes: the first
 * time a caller asks a question the look answers it, and the same question
 * asked again is read afresh (a caller that asks again is polling).
 *
 * @module
 */
import type { Runner } from "../exec/mod.ts";
import {
  type IpAddrLink,
  type IpLink,
  type IpNeigh,
  type IpNetns,
  IpReader,
  type IpRoute,
  type IpRule,
} from "../host/mod.ts";

/**
 * An {@link IpReader} for one step's check over a batch's shared look: the
 * first time the check asks a question (a link, the addresses of a link, the
 * routes of a namespace…) the look answers it (one process for every step
 * of the batch), and a question asked again within the check is read
 * afresh, since a check that asks again is polling for a change (carrier,
 * `waitOperUp`; duplicate address detection and an IPv6 address's local
 * route, `waitAddrUsable`).
 */
export class PollingLook extends IpReader {
  private readonly asked = new Set<string>();

  /**
   * @param run The process seam, for the fresh reads.
   * @param look The batch's shared look.
   */
  constructor(run: Runner, private readonly look: IpReader) {
    super(run);
  }

  /** Whether this question is asked for the first time (and remembers it). */
  private first(...question: unknown[]): boolean {
    const key = JSON.stringify(question);
    if (this.asked.has(key)) return false;
    this.asked.add(key);
    return true;
  }

  override links(netns?: string): Promise<IpLink[]> {
    return this.first("links", netns) ? this.look.links(netns) : super.links(netns);
  }

  override link(dev: string, netns?: string): Promise<IpLink | undefined> {
    return this.first("link", dev, netns) ? this.look.link(dev, netns) : super.link(dev, netns);
  }

  override addrs(netns?: string, dev?: string): Promise<IpAddrLink[]> {
    return this.first("addrs", netns, dev) ? this.look.addrs(netns, dev) : super.addrs(netns, dev);
  }

  override routes(family: 4 | 6, netns?: string): Promise<IpRoute[]> {
    return this.first("routes", family, netns) ? this.look.routes(family, netns) : super.routes(family, netns);
  }

  override rules(family: 4 | 6, netns?: string): Promise<IpRule[]> {
    return this.first("rules", family, netns) ? this.look.rules(family, netns) : super.rules(family, netns);
  }

  override staticNeighbours(netns?: string, dev?: string): Promise<IpNeigh[]> {
    return this.first("neigh", netns, dev)
      ? this.look.staticNeighbours(netns, dev)
      : super.staticNeighbours(netns, dev);
  }

  override netnsList(): Promise<IpNetns[]> {
    return this.first("netns") ? this.look.netnsList() : super.netnsList();
  }

  override netnsPids(name: string): Promise<number[]> {
    return this.first("pids", name) ? this.look.netnsPids(name) : super.netnsPids(name);
  }
}

/**
 * A {@link PollingLook} for emptying a netns before undo deletes it
 * (`netns-add`'s `beforeInverse`): a look that found no process in the netns
 * answers the first question, so the deletion needs no read of its own; a
 * look that found some is read again at once, before anything is signalled:
 * the look is older than this moment, and a process it saw may have ended
 * since, its PID free.
 */
export class EmptyNetnsLook extends PollingLook {
  /** Namespaces whose processes were read again already. */
  private readonly reread = new Set<string>();

  /**
   * PIDs of the processes inside a named netns: none as the look found, or a fresh read.
   * @param name The netns name.
   * @returns PIDs; `[]` when the netns does not exist.
   */
  override async netnsPids(name: string): Promise<number[]> {
    const pids = await super.netnsPids(name);
    if (pids.length === 0 || this.reread.has(name)) return pids;
    this.reread.add(name);
    return await super.netnsPids(name);
  }
}

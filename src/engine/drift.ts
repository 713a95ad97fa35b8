/**
 * Drift: whether the applied steps of a run are still in effect on the host.
 * Each applied step is verified again and asked whether it was reverted
 * meanwhile (deleted or changed by hand, or by another tool), and each named
 * object the run made is looked for by its recorded identity (renamed, or
 * replaced by another under the same name), and what others attached to the
 * run's own links is named (a foreign port on its bridge, a foreign address
 * on its link: {@link foreignAttachments}); what is found is reported, never
 * repaired. Read-only: it runs only the steps' `verify` and `isReverted` and
 * the host readers.
 *
 * @module
 */
import {
  describeIdentity,
  identityKey,
  type IpAddrInfo,
  type IpAddrLink,
  type IpLink,
  locate,
  type NetnsRef,
} from "../host/mod.ts";
import { CommandError } from "../errors.ts";
import { appliedIndexes, type RunView } from "../journal/mod.ts";
import { kindOf, type Step, type StepContext } from "../steps/mod.ts";
import { recordedElsewhere } from "./undo.ts";

/** What checking a run against the host found. */
export interface RunHealth {
  /** The run is from before a reboot: its objects are gone, so its steps were not checked. */
  stale: boolean;
  /**
   * Set when the run was recorded in another network namespace (see
   * `recordedElsewhere`): its steps were not checked, since the same names
   * here are other objects, and undo will not act on it here.
   */
  elsewhere?: true;
  /** Done steps whose effect is no longer on the host, one line each: the step's summary and what is wrong. */
  drift: string[];
  /**
   * Things to know besides drift, one sentence each: the run was interrupted
   * (killed while applying), is from before a reboot, has steps whose undo
   * failed or that were started and not completed, or journal records undo
   * will not act on.
   */
  notes: string[];
}

/**
 * Checks each applied step of a run against the host.
 * @param r The run, as folded from the journal.
 * @param ctx What steps read the host with.
 * @param currentBootId This boot's id (`/proc/sys/kernel/random/boot_id`):
 *   a run from another boot is only noted, not checked; `undefined` checks it.
 * @param here The network namespace this process reads: a run recorded in
 *   another one is only noted, not checked; `undefined` checks it.
 * @param known The applied steps of the other open runs and those handed
 *   over to this one: what they attached to this run's links is not foreign
 *   (see {@link foreignAttachments}).
 * @returns The drift and notes found.
 */
export async function checkRun(
  r: RunView,
  ctx: StepContext,
  currentBootId?: string,
  here?: NetnsRef,
  known: readonly Step[] = [],
): Promise<RunHealth> {
  const drift: string[] = [];
  const notes: string[] = [];
  const stale = currentBootId !== undefined && r.bootId !== currentBootId;
  if (stale) {
    notes.push("from before a reboot: its objects are gone; 'nsrecipe undo' closes it without touching the host");
  }
  if (r.state === "applying") {
    notes.push("interrupted while applying (nsrecipe was killed); 'nsrecipe undo' reverts it");
  }
  for (const p of r.problems) notes.push(`journal: ${p.message}; undo will not act on this run`);
  if (stale) return { stale, drift, notes };
  const elsewhere = recordedElsewhere(r, here);
  if (elsewhere) {
    notes.push(`${elsewhere}; 'nsrecipe undo' will not act on it here`);
    return { stale, elsewhere: true, drift, notes };
  }
  for (const i of appliedIndexes(r)) {
    const step = r.steps[i];
    const kind = kindOf(step);
    const state = r.stepStates[i];
    if (state === "intent" || state === "failed") {
      notes.push(`step ${i + 1} (${kind.summary(step)}) was started but not completed; undo checks it`);
      continue;
    }
    if (state === "undo-failed") notes.push(`step ${i + 1} (${kind.summary(step)}): undo failed: ${r.errors[i]}`);
    const wrong = await kind.verify(step, ctx).catch((e: Error) => e.message);
    const gone = wrong === undefined && await kind.isReverted(step, ctx, r.captured[i]).catch(() => true);
    if (wrong || gone) {
      drift.push(`${kind.summary(step)}: ${wrong ?? "no longer in effect (changed outside nsrecipe)"}`);
    }
  }
  drift.push(...await identityDrift(r, ctx));
  drift.push(...foreignAttachments(appliedIndexes(r).map((i) => r.steps[i]), await linksSeen(r, ctx), known));
  return { stale, drift, notes };
}

/** One network namespace's links and addresses, as read from the host. */
export interface NetnsLinks {
  /** The named netns, or `undefined` for the one this process reads (the host's). */
  netns?: string;
  /** Its links (`ip -json link show`): name and `master`. */
  links: readonly Pick<IpLink, "ifname" | "master">[];
  /** Its addresses (`ip -json addr show`). */
  addrs: readonly IpAddrLink[];
}

/** A link as `netns` (empty for the host's) and name. */
const linkKey = (netns: string | undefined, name: string) => `${netns ?? ""}\0${name}`;

/**
 * Whether the kernel puts this address on a link by itself: an IPv6
 * link-local address (RFC 4862, made when the link comes up) or one made by
 * stateless autoconfiguration from a router advertisement (`dynamic`, the
 * link's `accept_ra`/`autoconf` settings, which full-migrate carries to its
 * bridge). Neither is anyone's attachment.
 */
function kernelMade(a: IpAddrInfo): boolean {
  return a.family === "inet6" && (a.scope === "link" || a.dynamic === true);
}

/**
 * What others attached to the links a run made (pure): a link enslaved to a
 * bridge the run created that the run did not enslave (a VM's tap, a
 * container's veth: undo deleting the bridge would cut it off), and an
 * address on a link the run created that the run did not add (besides those
 * the kernel makes, see `kernelMade`). Links are followed by name through
 * the run's own moves (`link-set-netns` renames the veth peer into the
 * namespace); a link renamed by hand is identity drift, not this.
 * @param steps The run's applied steps, in order.
 * @param seen The links and addresses of the host and of the run's namespaces (a missing one is not looked at).
 * @param known Other steps of nsrecipe's (the other open runs', and steps handed over to this run): the ports they
 *   enslave and the addresses they add are not foreign (a second veth-bridge run on this run's bridge).
 * @returns One line per foreign port or address, e.g. `'vnet3' was enslaved to bridge 'br0' (made by this run) outside nsrecipe`.
 * @example
 * ```ts
 * foreignAttachments(
 *   [{ kind: "bridge-add", dev: "br1" }],
 *   [{ links: [{ ifname: "br1" }, { ifname: "tap0", master: "br1" }], addrs: [] }],
 * ); // ["'tap0' was enslaved to bridge 'br1' (made by this run) outside nsrecipe: undo deleting the bridge frees it"]
 * ```
 */
export function foreignAttachments(
  steps: readonly Step[],
  seen: readonly NetnsLinks[],
  known: readonly Step[] = [],
): string[] {
  const made = new Set<string>(); // links the run created, where they are now
  const bridges = new Set<string>();
  const ports = new Set<string>(); // `bridge\0port` nsrecipe enslaved
  const addrs = new Set<string>(); // `key\0local/prefixlen` nsrecipe added
  for (const s of known) {
    if (s.kind === "link-set-master") ports.add(`${s.master}\0${s.dev}`);
    if (s.kind === "addr-add") addrs.add(`${linkKey(s.netns, s.dev)}\0${s.addr.local}/${s.addr.prefixlen}`);
  }
  for (const s of steps) {
    if (s.kind === "bridge-add") {
      made.add(linkKey(undefined, s.dev));
      bridges.add(s.dev);
    } else if (s.kind === "veth-add") {
      made.add(linkKey(undefined, s.dev)).add(linkKey(undefined, s.peer));
    } else if (s.kind === "link-set-netns" && made.delete(linkKey(undefined, s.dev))) {
      made.add(linkKey(s.netns, s.newName));
    } else if (s.kind === "link-set-master") {
      ports.add(`${s.master}\0${s.dev}`);
    } else if (s.kind === "addr-add") {
      addrs.add(`${linkKey(s.netns, s.dev)}\0${s.addr.local}/${s.addr.prefixlen}`);
    }
  }
  const out: string[] = [];
  for (const ns of seen) {
    if (ns.netns === undefined) {
      for (const l of ns.links) {
        if (l.master && bridges.has(l.master) && !ports.has(`${l.master}\0${l.ifname}`)) {
          out.push(
            `'${l.ifname}' was enslaved to bridge '${l.master}' (made by this run) outside nsrecipe: undo deleting ` +
              "the bridge frees it",
          );
        }
      }
    }
    for (const l of ns.addrs) {
      const key = linkKey(ns.netns, l.ifname);
      if (!made.has(key)) continue;
      for (const a of l.addr_info) {
        const cidr = `${a.local}/${a.prefixlen}`;
        if (kernelMade(a) || addrs.has(`${key}\0${cidr}`)) continue;
        out.push(
          `address ${cidr} on '${l.ifname}'${ns.netns ? ` in '${ns.netns}'` : ""} (made by this run) was added ` +
            "outside nsrecipe: undo deleting the link removes it",
        );
      }
    }
  }
  return out;
}

/**
 * The links and addresses {@link foreignAttachments} compares with: the
 * host's and those of each namespace the run moved a link into, read through
 * the step context's reader (one read per namespace, answered from status's
 * prefetch). A namespace that cannot be read (deleted meanwhile) is left out:
 * the steps' own checks report it.
 */
async function linksSeen(r: RunView, ctx: StepContext): Promise<NetnsLinks[]> {
  const netns = new Set<string | undefined>([undefined]);
  for (const i of appliedIndexes(r)) {
    const s = r.steps[i];
    if (s.kind === "link-set-netns") netns.add(s.netns);
  }
  const read = await Promise.all(
    [...netns].map(async (n) => {
      try {
        return { ...(n ? { netns: n } : {}), links: await ctx.ip.links(n), addrs: await ctx.ip.addrs(n) };
      } catch (e) {
        if (e instanceof CommandError) return undefined;
        throw e;
      }
    }),
  );
  return read.filter((x) => x !== undefined);
}

/**
 * The run's named objects that are no longer where its journal recorded them:
 * renamed by hand (undo follows them) or made again by someone else under the
 * same name (undo leaves those alone), found by their recorded identity.
 * @param r The run.
 * @param ctx Step context.
 * @returns One line per such object; `[]` for a journal without identities.
 */
async function identityDrift(r: RunView, ctx: StepContext): Promise<string[]> {
  const keys = Object.keys(r.identities);
  if (keys.length === 0) return [];
  const where = await locate(ctx.ip, keys, r.identities);
  return [...where].flatMap(([key, w]) => {
    const rec = describeIdentity(r.identities[key]);
    const name = identityKey(key)?.name;
    if (w.state === "renamed") return [`'${name}' (${rec}) was renamed to '${w.name}': undo follows it`];
    if (w.state !== "replaced") return [];
    return [
      `'${name}' is now another ${w.found.type === "netns" ? "network namespace" : "link"} (${
        describeIdentity(w.found)
      }), not the one this run made (${rec}): undo will leave it alone`,
    ];
  });
}

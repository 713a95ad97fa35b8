/**
 * Object identity: what tells a kernel object nsrecipe made from another of
 * the same name made later by someone else. Names are reused (an admin runs
 * `ip netns del web; ip netns add web`, or rebuilds `br0` by hand); identities
 * are not. The journal records the identity of each named object a run
 * touches, and undo acts only on the object it recorded.
 *
 * - A network namespace is named by its `/run/netns/NAME` bind mount
 *   (ip-netns(8)); `stat(2)` of it reports the namespace's nsfs inode: device,
 *   inode number, and the inode's time (set when the nsfs inode was made for
 *   the mount; nsfs refuses to change it: `touch` says "Operation not
 *   permitted"). The kernel may hand a freed inode number to a later
 *   namespace (`proc_alloc_inum`, an IDA), so the time is kept too.
 * - A link in the host's network namespace is identified by its ifindex
 *   (ip-link(8)): the kernel does not give an index to a second link while
 *   the first holds it, and allocates new ones cyclically, so a link made
 *   again under the same name has another index. Indexes repeat across
 *   namespaces, though (the first NIC is ifindex 2 in nearly every one), so
 *   the MAC counts too where the kernel never changes it on its own: a
 *   physical NIC and the kinds in {@link MAC_STABLE_KINDS}; a bridge, bond,
 *   team or VLAN takes its MAC from other links, so its MAC is kept for
 *   messages only. Each run is also tied to the namespace it ran in (see
 *   {@link NetnsRef}).
 *
 * @module
 */
import { localDateTime } from "../clock.ts";
import type { IpLink, IpReader } from "./ip_json.ts";
import { NETNS_RUN_DIR } from "./sysfs.ts";

/** Identity of a named network namespace: `stat(2)` of `/run/netns/NAME`. */
export interface NetnsIdentity {
  /** Object tag. */
  type: "netns";
  /** Device number of the nsfs filesystem (`st_dev`). */
  dev: number;
  /** Inode number of the namespace (`st_ino`; `ls -i`, `readlink /proc/PID/ns/net` shows it as `net:[INO]`). */
  ino: number;
  /** Modification time of the nsfs inode in ms since the Unix epoch, set when the inode was made; absent when the filesystem gave none. */
  mtimeMs?: number;
}

/** Identity of a link in the host's network namespace (ip-link(8)). */
export interface LinkIdentity {
  /** Object tag. */
  type: "link";
  /** Kernel interface index, unique in its network namespace while the link lives. */
  ifindex: number;
  /** Its MAC when it had one, e.g. `02:00:5e:10:00:01`. */
  mac?: string;
  /**
   * Set when the MAC identifies the link too (it is of a kind whose MAC the
   * kernel never changes on its own); absent in journals of earlier versions
   * and for bridges, bonds, VLANs…, whose MAC follows other links.
   */
  macStable?: true;
}

/**
 * Link kinds (`ip -details` `linkinfo.info_kind`) whose MAC the kernel sets
 * once and never changes on its own; a link without a kind is a physical NIC,
 * whose MAC is its own too. A bridge takes the lowest MAC among its ports
 * until one is set (br_stp_recalculate_bridge_id), a bond or team its first
 * port's, a VLAN or ipvlan its lower link's: not in this list.
 */
export const MAC_STABLE_KINDS: ReadonlySet<string> = new Set(["veth", "dummy", "macvlan", "macvtap", "vxlan", "tun"]);

/**
 * The network namespace a process acts in: device and inode of its nsfs
 * inode (`stat -L /proc/self/ns/net`; `readlink` shows it as `net:[INO]`).
 * The initial namespace has a fixed inode (PROC_NET_INIT_INO, 4026531840 on
 * Linux ≥ 3.8 with the proc inode allocator of include/linux/proc_ns.h), every
 * other one an inode number that is unique while it lives; so a lab's
 * namespace never has the real host's.
 */
export interface NetnsRef {
  /** Device number of the nsfs filesystem (`st_dev`). */
  dev: number;
  /** Inode number of the namespace (`st_ino`). */
  ino: number;
}

/**
 * Whether two records of a network namespace name the same one.
 * @param a One.
 * @param b Another.
 * @returns `true` when device and inode agree.
 */
export function sameNetns(a: NetnsRef, b: NetnsRef): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/** The identity of a named object. */
export type Identity = NetnsIdentity | LinkIdentity;

/**
 * Identities by object key: `netns:NAME` or `link:NAME` (the keys of
 * `StepKind.object`). Written into the journal as is.
 */
export type Identities = Record<string, Identity>;

/**
 * Where an object nsrecipe recorded stands now, judged by its identity:
 * - `same`: the name still names the recorded object;
 * - `renamed`: the recorded object lives on under another name (`name`);
 * - `replaced`: the name names another object (made by someone else), and the
 *   recorded one is gone;
 * - `gone`: neither the recorded object nor any object of that name exists;
 * - `unknown`: no identity was recorded (a journal of an earlier version, or
 *   a run killed between making the object and recording it): act by name.
 */
export type Whereabouts =
  | { state: "same" }
  | { state: "renamed"; name: string }
  | { state: "replaced"; found: Identity }
  | { state: "gone" }
  | { state: "unknown" };

/**
 * Splits an object key into its type and name.
 * @param key e.g. `link:br0`, `netns:web`, `nft:nsrecipe_web`.
 * @returns `{ type, name }` for a `link:` or `netns:` key (the objects that
 *   have an identity), `undefined` otherwise (and for `link:-`, a route
 *   without a device).
 */
export function identityKey(key: string): { type: Identity["type"]; name: string } | undefined {
  const m = /^(link|netns):(.+)$/.exec(key);
  if (!m || m[2] === "-") return undefined;
  return { type: m[1] as Identity["type"], name: m[2] };
}

/**
 * The identity of a link as `ip -json link` reports it.
 * @param link The link.
 * @returns Its identity.
 */
export function linkIdentity(link: IpLink): LinkIdentity {
  const kind = link.linkinfo?.info_kind;
  const stable = link.address !== undefined && (kind === undefined || MAC_STABLE_KINDS.has(kind));
  return {
    type: "link",
    ifindex: link.ifindex,
    ...(link.address ? { mac: link.address } : {}),
    ...(stable ? { macStable: true as const } : {}),
  };
}

/**
 * The identity of a named network namespace: `stat(2)` of its
 * `/run/netns/NAME` entry. Read with `Deno.statSync` (the permission set may
 * read `/run`); no process is spawned.
 * @param name The namespace name.
 * @returns Its identity, or `undefined` when the entry is missing or not a
 *   namespace mount (a stale file on the directory's own device).
 * @throws {Deno.errors.PermissionDenied} Without read access to `/run/netns`.
 */
export function netnsIdentity(name: string): NetnsIdentity | undefined {
  let dir: Deno.FileInfo, entry: Deno.FileInfo;
  try {
    dir = Deno.statSync(NETNS_RUN_DIR);
    entry = Deno.statSync(`${NETNS_RUN_DIR}/${name}`);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  if (entry.dev === dir.dev || entry.ino === null) return undefined;
  const mtimeMs = entry.mtime?.getTime();
  return { type: "netns", dev: entry.dev, ino: entry.ino, ...(mtimeMs === undefined ? {} : { mtimeMs }) };
}

/**
 * Whether two identities are those of one object.
 * @param a The identity recorded.
 * @param b The one found.
 * @returns `true` when they describe the same object: for a link, the same
 *   ifindex, and the same MAC when the recorded one is stable
 *   ({@link LinkIdentity.macStable}); for a namespace, the same device and
 *   inode (the time compared only when both have it).
 */
export function sameIdentity(a: Identity, b: Identity): boolean {
  if (a.type === "link" && b.type === "link") {
    return a.ifindex === b.ifindex && !(a.macStable && b.mac !== undefined && a.mac !== b.mac);
  }
  if (a.type === "netns" && b.type === "netns") {
    return a.dev === b.dev && a.ino === b.ino &&
      (a.mtimeMs === undefined || b.mtimeMs === undefined || a.mtimeMs === b.mtimeMs);
  }
  return false;
}

/**
 * Describes an identity for messages, e.g. `ifindex 7, MAC 02:00:5e:10:00:01`
 * or `inode 4026532281`.
 * @param id The identity.
 * @returns One phrase.
 */
export function describeIdentity(id: Identity): string {
  return id.type === "link" ? `ifindex ${id.ifindex}${id.mac ? `, MAC ${id.mac}` : ""}` : `inode ${id.ino}`;
}

/**
 * The words for a named object that another of its name has replaced
 * (`judge` says `replaced`), e.g. `'br0' is now another link (ifindex 9, MAC …),
 * not the one run 'R' made (ifindex 5, MAC …)`: one phrase for undo, its
 * dry run and `status`.
 * @param name The object's name, e.g. `br0`, `web`.
 * @param found The identity of what holds the name now.
 * @param recorded The identity the journal recorded.
 * @param whose Whose the recorded object was, as a phrase: `run 'R' made` (a step that created it), `run 'R'
 *   recorded` (a step that only changed it), `this run made`, `this run acted on` (`status`: no step of the run made
 *   it: the uplink, another run's bridge).
 * @returns One phrase.
 */
export function replacedWords(name: string, found: Identity, recorded: Identity, whose: string): string {
  // The kernel may give a new namespace the inode number of one freed before: the two are then told apart by when
  // their name was bound (the nsfs inode's time, which `sameIdentity` compares too), to the millisecond.
  const apart = describeIdentity(found) === describeIdentity(recorded);
  const describe = (id: Identity) =>
    apart && id.type === "netns" && id.mtimeMs !== undefined
      ? `${describeIdentity(id)}, made ${localDateTime(id.mtimeMs)}.${String(id.mtimeMs % 1000).padStart(3, "0")}`
      : describeIdentity(id);
  return `'${name}' is now another ${found.type === "netns" ? "network namespace" : "link"} (${
    describe(found)
  }), not the one ${whose} (${describe(recorded)})`;
}

/**
 * Judges where a recorded object stands (pure).
 * @param recorded The identity the journal holds, or `undefined`.
 * @param byName The identity of whatever now has the name, or `undefined` when nothing does.
 * @param renamedTo The name under which the recorded object now lives, when
 *   it was found under another name.
 * @returns Its {@link Whereabouts}.
 */
export function judge(recorded: Identity | undefined, byName: Identity | undefined, renamedTo?: string): Whereabouts {
  if (!recorded) return { state: "unknown" };
  if (byName && sameIdentity(recorded, byName)) return { state: "same" };
  if (renamedTo !== undefined) return { state: "renamed", name: renamedTo };
  return byName ? { state: "replaced", found: byName } : { state: "gone" };
}

/**
 * Reads the identities of the named objects that exist now.
 * @param ip Reader of the host's `ip -json` state.
 * @param keys Object keys, e.g. `["netns:web", "link:br0"]`; others are ignored.
 * @returns Identities of those that exist (one `ip -json link show dev NAME` per named link).
 * @throws {CommandError} When `ip` fails.
 */
export async function observeIdentities(ip: IpReader, keys: readonly string[]): Promise<Identities> {
  const out: Identities = {};
  const parsed = keys.flatMap((key) => {
    const k = identityKey(key);
    return k ? [{ key, ...k }] : [];
  });
  // One small read per named link (a step names one or two), not the host's whole list: on a host with
  // thousands of links that list is what would cost.
  const links = await byNames(ip, parsed.filter((k) => k.type === "link").map((k) => k.name));
  for (const k of parsed) {
    if (k.type === "netns") {
      const id = netnsIdentity(k.name);
      if (id) out[k.key] = id;
    } else {
      const link = links.get(k.name);
      if (link) out[k.key] = linkIdentity(link);
    }
  }
  return out;
}

/**
 * Finds where each recorded object stands now.
 * @param ip Reader of the host's `ip -json` state.
 * @param keys Object keys to judge.
 * @param recorded Identities from the journal (may lack some keys).
 * @returns One {@link Whereabouts} per key.
 * @throws {CommandError} When `ip` fails.
 */
export async function locate(
  ip: IpReader,
  keys: readonly string[],
  recorded: Identities,
): Promise<Map<string, Whereabouts>> {
  const out = new Map<string, Whereabouts>();
  const wanted = keys.filter((k) => recorded[k] && identityKey(k));
  const linkKeys = wanted.filter((k) => recorded[k].type === "link");
  // Each link by its name first; only when one is not where it was is the whole list read, to find it by its
  // index (renamed) or to tell it is gone.
  const named = await byNames(ip, linkKeys.map((k) => identityKey(k)!.name));
  const moved = linkKeys.some((k) => {
    const link = named.get(identityKey(k)!.name);
    return !link || !sameIdentity(recorded[k], linkIdentity(link));
  });
  const links = moved ? await ip.links() : [...named.values()];
  for (const key of keys) {
    const rec = recorded[key];
    const k = identityKey(key);
    if (!rec || !k) {
      out.set(key, { state: "unknown" });
    } else if (rec.type === "netns") {
      out.set(key, judge(rec, ip.netnsIdentity(k.name)));
    } else {
      const byName = links.find((l) => l.ifname === k.name);
      const byIndex = links.find((l) => l.ifindex === rec.ifindex);
      out.set(
        key,
        judge(rec, byName && linkIdentity(byName), byIndex && byIndex.ifname !== k.name ? byIndex.ifname : undefined),
      );
    }
  }
  return out;
}

/** The links of these names that exist, each read on its own (`ip -json -details link show dev NAME`). */
async function byNames(ip: IpReader, names: readonly string[]): Promise<Map<string, IpLink>> {
  const found = await Promise.all([...new Set(names)].map((n) => ip.link(n)));
  return new Map(found.flatMap((l) => (l ? [[l.ifname, l] as const] : [])));
}

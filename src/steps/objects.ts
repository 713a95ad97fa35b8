/**
 * Object ids: the names of what steps create or change, as `TYPE:NAME`
 * (`link:br0`, `netns:web`, `sysctl:net.ipv4.ip_forward`,
 * `nft:nsrecipe_web_1a2b3c4d`). Ownership is decided on them: a plan names
 * the objects it relies on (`uses`) and those later runs may share
 * (`handover`), and undo hands a step over instead of reverting it when a
 * later run uses its object. Every id is built here, by steps and recipes
 * alike, so the two always spell an object the same way.
 *
 * @module
 */

/**
 * What an object id names: a link (in the host's network namespace), a named
 * netns (and everything inside it), a sysctl key, an nftables table of the
 * `inet` family.
 */
export type ObjectType = "link" | "netns" | "sysctl" | "nft";

/**
 * An object id, `TYPE:NAME`, e.g. `link:br0`. Branded: only {@link objectId}
 * makes one, so no id is spelled by hand.
 */
export type ObjectId = `${ObjectType}:${string}` & { readonly __objectId: never };

/**
 * The id of an object.
 * @param type What it is.
 * @param name Its name: a link or netns name, a dotted sysctl key, an nftables table name.
 * @returns `TYPE:NAME`.
 * @example
 * ```ts
 * import { objectId } from "./objects.ts";
 * console.assert(objectId("link", "br0") === "link:br0");
 * ```
 */
export function objectId(type: ObjectType, name: string): ObjectId {
  return `${type}:${name}` as ObjectId;
}

/**
 * Step kinds whose object exists because of them: `ip netns add`, `ip link
 * add … type veth|bridge`, `nft add table`. A run owns the objects of these
 * steps (its undo removes them); every other step changes an object that was
 * there before (an address on the uplink, its master, a sysctl), which undo
 * puts back but does not remove.
 */
export const CREATING_KINDS: ReadonlySet<string> = new Set(["netns-add", "veth-add", "bridge-add", "nat-add"]);

import { linkName } from "./fields.ts";
import { type Infer, type StepKind, stepSchema } from "./types.ts";
import { linkAddArgv, newLink, newLinkFields } from "./link_add.ts";
import type { LinkSetNetnsStep } from "./link_set_netns.ts";
import { objectId } from "./objects.ts";

/**
 * `veth-add`'s schema (as planned and journalled).
 * @ignore Its type, without zod's: {@link VethAddStep}.
 */
export const vethAddSchema = stepSchema("veth-add", () => ({
  /**
   * The host-side end: its name; its MAC, chosen so that joining a bridge never
   * changes the bridge's MAC (see `recipes/mac.ts`); the MTU of both ends.
   */
  ...newLinkFields(),
  /** The other end, moved into a netns by a later step. */
  peer: linkName(),
}));

/** Create a veth pair: `ip link add dev DEV [address MAC] [mtu M] type veth peer name PEER [mtu M]` (veth(4)). */
export type VethAddStep = Infer<typeof vethAddSchema>;

/**
 * `veth-add`: `ip link add dev DEV [address MAC] [mtu M] type veth peer name PEER
 * [mtu M]` (veth(4), ip-link(8)). Verified by looking up **both** ends: the
 * manual procedure's known trap is a peer that did not appear; and the host
 * end's MAC, when one was asked for. Deleting either end deletes the
 * pair, wherever the peer lives (veth(4)). When a `link-set-netns` step of
 * the run moved the peer into a netns the same undo deletes, the pair goes
 * with that netns once the kernel destroys it ({@link StepKind.peerNetns}):
 * undo then deletes the host end itself only when it is still there after a
 * bounded wait (the namespace held alive by something else, ip-netns(8));
 * otherwise (the netns not deleted in the same batch) it deletes the host
 * end as its inverse, `ip link del dev DEV`.
 */
export const vethAdd: StepKind<VethAddStep> = {
  schema: vethAddSchema,
  summary: (s) => `create veth pair '${s.dev}' <-> '${s.peer}'`,
  peerNetns(s, others) {
    const move = others.find((o): o is LinkSetNetnsStep =>
      o.kind === "link-set-netns" && (o as LinkSetNetnsStep).dev === s.peer
    );
    return move ? objectId("netns", move.netns) : undefined;
  },
  commands: (s) => [
    linkAddArgv(s, ["veth", "peer", "name", s.peer, ...(s.mtu ? ["mtu", String(s.mtu)] : [])]),
  ],
  async verify(s, ctx) {
    const [a, b] = await Promise.all([ctx.ip.link(s.dev), ctx.ip.link(s.peer)]);
    if (!a) return `veth end '${s.dev}' does not exist`;
    if (a.linkinfo?.info_kind !== "veth") return `'${s.dev}' is not a veth`;
    if (s.mac && a.address !== s.mac) return `veth end '${s.dev}' has MAC ${a.address}, not ${s.mac}`;
    // Once a later step moved the peer into a netns, the host end reports that netns (link_netnsid).
    if (!b && a.link_netnsid === undefined) return `veth peer '${s.peer}' does not exist`;
    return undefined;
  },
  ...newLink<VethAddStep>(),
};

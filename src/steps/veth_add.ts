import type { StepKind, VethAddStep } from "./types.ts";

/**
 * `veth-add`: `ip link add dev DEV [mtu M] type veth peer name PEER [mtu M]` (veth(4),
 * ip-link(8)). Verified by looking up **both** ends: the manual procedure's
 * known trap is a peer that did not appear. Deleting either end deletes the
 * pair, wherever the peer lives; undo deletes the host end explicitly.
 */
export const vethAdd: StepKind<VethAddStep> = {
  summary: (s) => `create veth pair '${s.dev}' <-> '${s.peer}'`,
  object: (s) => `link:${s.dev}`,
  commands: (s) => [[
    "ip",
    "link",
    "add",
    "dev",
    s.dev,
    ...(s.mtu ? ["mtu", String(s.mtu)] : []),
    "type",
    "veth",
    "peer",
    "name",
    s.peer,
    ...(s.mtu ? ["mtu", String(s.mtu)] : []),
  ]],
  async verify(s, ctx) {
    const [a, b] = await Promise.all([ctx.ip.link(s.dev), ctx.ip.link(s.peer)]);
    if (!a) return `veth end '${s.dev}' does not exist`;
    if (a.linkinfo?.info_kind !== "veth") return `'${s.dev}' is not a veth`;
    // Once a later step moved the peer into a netns, the host end reports that netns (link_netnsid).
    if (!b && a.link_netnsid === undefined) return `veth peer '${s.peer}' does not exist`;
    return undefined;
  },
  async isReverted(s, ctx) {
    return !(await ctx.ip.link(s.dev));
  },
  async revert(s, ctx) {
    await ctx.run(["ip", "link", "del", "dev", s.dev]);
  },
};

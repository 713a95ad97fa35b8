import type { LinkSetMasterStep, StepKind } from "./types.ts";

/**
 * `link-set-master`: `ip link set dev DEV master BR` enslaves a link to a
 * bridge (ip-link(8)); the inverse is `nomaster`.
 */
export const linkSetMaster: StepKind<LinkSetMasterStep> = {
  summary: (s) => `enslave '${s.dev}' to bridge '${s.master}'`,
  object: (s) => `link:${s.dev}`,
  commands: (s) => [["ip", "link", "set", "dev", s.dev, "master", s.master]],
  async verify(s, ctx) {
    const link = await ctx.ip.link(s.dev);
    if (!link) return `link '${s.dev}' does not exist`;
    return link.master === s.master ? undefined : `'${s.dev}' has master '${link.master ?? "none"}'`;
  },
  async isReverted(s, ctx) {
    const link = await ctx.ip.link(s.dev);
    return !link || link.master !== s.master;
  },
  async revert(s, ctx) {
    await ctx.run(["ip", "link", "set", "dev", s.dev, "nomaster"]);
  },
};

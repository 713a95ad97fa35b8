import type { LinkSetUpStep, StepKind } from "./types.ts";

const nsArgs = (netns?: string) => (netns ? ["-n", netns] : []);

/**
 * `link-set-up`: `ip [-n NS] link set dev DEV up` (ip-link(8)); verified by
 * the `UP` administrative flag. The inverse sets it down again unless the link
 * (or its netns) is gone.
 */
export const linkSetUp: StepKind<LinkSetUpStep> = {
  summary: (s) => `bring link '${s.dev}' up${s.netns ? ` in '${s.netns}'` : ""}`,
  object: (s) => s.netns ? `netns:${s.netns}` : `link:${s.dev}`,
  commands: (s) => [["ip", ...nsArgs(s.netns), "link", "set", "dev", s.dev, "up"]],
  async verify(s, ctx) {
    const link = await ctx.ip.link(s.dev, s.netns);
    if (!link) return `link '${s.dev}' does not exist`;
    return link.flags.includes("UP") ? undefined : `link '${s.dev}' is not UP`;
  },
  async isReverted(s, ctx) {
    const link = await ctx.ip.link(s.dev, s.netns);
    return !link || !link.flags.includes("UP");
  },
  async revert(s, ctx) {
    await ctx.run(["ip", ...nsArgs(s.netns), "link", "set", "dev", s.dev, "down"]);
  },
};

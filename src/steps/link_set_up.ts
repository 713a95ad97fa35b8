import type { LinkSetUpStep, StepKind } from "./types.ts";

/** How long verification waits for carrier when `waitCarrier` is set, in ms. */
export const CARRIER_WAIT_MS = 3000;

const nsArgs = (netns?: string) => (netns ? ["-n", netns] : []);

/**
 * `link-set-up`: `ip [-n NS] link set dev DEV up` (ip-link(8)); verified by
 * the `UP` administrative flag and, with `waitCarrier`, by `LOWER_UP` (carrier,
 * Documentation/networking/operstates.rst) within {@link CARRIER_WAIT_MS}. The inverse sets it down again unless the link
 * (or its netns) is gone.
 */
export const linkSetUp: StepKind<LinkSetUpStep> = {
  summary: (s) => `bring link '${s.dev}' up${s.netns ? ` in '${s.netns}'` : ""}`,
  object: (s) => s.netns ? `netns:${s.netns}` : `link:${s.dev}`,
  commands: (s) => [["ip", ...nsArgs(s.netns), "link", "set", "dev", s.dev, "up"]],
  async verify(s, ctx) {
    const deadline = Date.now() + CARRIER_WAIT_MS;
    for (;;) {
      const link = await ctx.ip.link(s.dev, s.netns);
      if (!link) return `link '${s.dev}' does not exist`;
      if (!link.flags.includes("UP")) return `link '${s.dev}' is not UP`;
      if (!s.waitCarrier || link.flags.includes("LOWER_UP")) return undefined;
      if (Date.now() > deadline) return `link '${s.dev}' has no carrier after ${CARRIER_WAIT_MS} ms`;
      await new Promise((r) => setTimeout(r, 20));
    }
  },
  async isReverted(s, ctx) {
    const link = await ctx.ip.link(s.dev, s.netns);
    return !link || !link.flags.includes("UP");
  },
  async revert(s, ctx) {
    await ctx.run(["ip", ...nsArgs(s.netns), "link", "set", "dev", s.dev, "down"]);
  },
};

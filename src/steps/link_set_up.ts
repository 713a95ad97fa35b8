import { z } from "../zod_deferred.ts";
import { linkName, netnsName } from "./fields.ts";
import { type Infer, type StepKind, stepSchema } from "./types.ts";
import { objectId } from "./objects.ts";

/**
 * `link-set-up`'s schema (as planned and journalled).
 * @ignore Its type, without zod's: {@link LinkSetUpStep}.
 */
export const linkSetUpSchema = stepSchema("link-set-up", () => ({
  /** Link name, e.g. `eth0`. */
  dev: linkName(),
  /** Named netns holding the link; absent for the host's own. */
  netns: z.optional(netnsName()),
  /**
   * Also wait (bounded) until the link has carrier (`LOWER_UP`), e.g. a veth
   * end whose peer is up, so the run reports success only once traffic flows.
   */
  waitCarrier: z.optional(z.boolean()),
}));

/** Bring a link up: `ip [-n NS] link set dev DEV up` (ip-link(8)). */
export type LinkSetUpStep = Infer<typeof linkSetUpSchema>;

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
  schema: linkSetUpSchema,
  summary: (s) => `bring link '${s.dev}' up${s.netns ? ` in '${s.netns}'` : ""}`,
  object: (s) => s.netns ? objectId("netns", s.netns) : objectId("link", s.dev),
  within: (s) => [s.netns ? objectId("netns", s.netns) : objectId("link", s.dev)],
  renamed: (s, captured, rename) => ({ step: s.netns ? s : { ...s, dev: rename(s.dev) }, captured }),
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
  preview: (s) => Promise.resolve([`$ ${["ip", ...nsArgs(s.netns), "link", "set", "dev", s.dev, "down"].join(" ")}`]),
};

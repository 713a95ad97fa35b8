import { linkName } from "./fields.ts";
import { type Infer, type StepKind, stepSchema } from "./types.ts";
import { objectId } from "./objects.ts";
import { revertByInverse } from "./inverse.ts";

/**
 * `link-set-master`'s schema (as planned and journalled).
 * @ignore Its type, without zod's: {@link LinkSetMasterStep}.
 */
export const linkSetMasterSchema = stepSchema("link-set-master", () => ({
  /** The link to enslave, in the host's network namespace. */
  dev: linkName(),
  /** The bridge's name, e.g. `br0`. */
  master: linkName(),
}));

/** Enslave a link to a bridge: `ip link set dev DEV master BR` (ip-link(8)). */
export type LinkSetMasterStep = Infer<typeof linkSetMasterSchema>;

/**
 * `link-set-master`: `ip link set dev DEV master BR` enslaves a link to a
 * bridge (ip-link(8)); the inverse is `nomaster`.
 */
export const linkSetMaster: StepKind<LinkSetMasterStep> = {
  schema: linkSetMasterSchema,
  summary: (s) => `enslave '${s.dev}' to bridge '${s.master}'`,
  object: (s) => objectId("link", s.dev),
  refs: (s) => [objectId("link", s.dev), objectId("link", s.master)],
  // A port's own link deleted leaves its bridge; a bridge deleted releases an uplink only in the switch's order.
  within: (s) => [objectId("link", s.dev)],
  renamed: (s, captured, rename) => ({ step: { ...s, dev: rename(s.dev), master: rename(s.master) }, captured }),
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
  ...revertByInverse((s) => [["ip", "link", "set", "dev", s.dev, "nomaster"]]),
};

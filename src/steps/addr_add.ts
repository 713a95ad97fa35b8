import { z } from "../zod_deferred.ts";
import { linkName, netnsName } from "./fields.ts";
import { type Infer, type StepKind, stepSchema } from "./types.ts";
import { addrAddCommands, addrArgv, addrSpecSchema, renamedAddr } from "./specs.ts";
import { findAddr, waitAddrUsable } from "./addr_lookup.ts";
import { objectId } from "./objects.ts";
import { revertByInverse } from "./inverse.ts";

/**
 * `addr-add`'s schema (as planned and journalled).
 * @ignore Its type, without zod's: {@link AddrAddStep}.
 */
export const addrAddSchema = stepSchema("addr-add", () => ({
  /** Link name, e.g. `eth0`. */
  dev: linkName(),
  /** Named netns holding the link; absent for the host's own. */
  netns: z.optional(netnsName()),
  /** The address with its attributes. */
  addr: addrSpecSchema(),
  /**
   * IPv6: add it with `nodad` and then set its own flags, so it is usable at
   * once with exactly its attributes (for an address moving between this
   * host's links; see `addrAddCommands`).
   */
  skipDad: z.optional(z.boolean()),
  /**
   * The address is part of a link this run creates (veth-bridge's own bridge):
   * deleting the link takes it along, so undo deleting the link needs no
   * inverse of its own (`within`). Absent for an address that must go before
   * its link does (full-migrate's addresses, moved from the uplink and back:
   * its switch back keeps its order) and in journals of earlier versions.
   */
  goesWithLink: z.optional(z.literal(true)),
}));

/** Add an address: `ip [-n NS] addr add …` (ip-address(8)). */
export type AddrAddStep = Infer<typeof addrAddSchema>;

/**
 * `addr-add`: `ip [-n NS] addr add ADDR/PLEN … dev DEV` (ip-address(8)).
 * Verified usable (see `waitAddrUsable`: an IPv6 address still `tentative`
 * or without its local route is waited for up to `DAD_WAIT_MS`, and
 * `dadfailed` is an error), so a command started next can bind to it.
 */
export const addrAdd: StepKind<AddrAddStep> = {
  schema: addrAddSchema,
  summary: (s) => `add address ${s.addr.local}/${s.addr.prefixlen} to '${s.dev}'${s.netns ? ` in '${s.netns}'` : ""}`,
  object: (s) => s.netns ? objectId("netns", s.netns) : objectId("link", s.dev),
  within: (s) => s.netns ? [objectId("netns", s.netns)] : s.goesWithLink ? [objectId("link", s.dev)] : [],
  renamed(s, captured, rename) {
    if (s.netns) return { step: s, captured };
    return { step: { ...s, dev: rename(s.dev), addr: renamedAddr(s.addr, s.dev, rename(s.dev)) }, captured };
  },
  commands: (s) => addrAddCommands(s.addr, s.dev, s.netns, s.skipDad),
  verify: (s, ctx) => waitAddrUsable(ctx.ip, s.dev, s.addr, s.netns),
  async isReverted(s, ctx) {
    return !(await findAddr(ctx.ip, s.dev, s.addr, s.netns));
  },
  ...revertByInverse((s) => [addrArgv("del", s.addr, s.dev, s.netns)]),
};

import { z } from "zod";
import { linkName, netnsName } from "./fields.ts";
import type { Infer, StepKind } from "./types.ts";
import { addrAddCommands, addrArgv, addrSpecSchema, renamedAddr } from "./specs.ts";
import { findAddr } from "./addr_lookup.ts";
import { objectId } from "./objects.ts";

/**
 * The schema of a `addr-add` step: its data as planned and as journalled.
 * @ignore zod's inferred type has no name the docs can show; read {@link AddrAddStep}.
 */
export const addrAddSchema = z.object({
  /** Step tag: the discriminant of `Step`, and the key of its behaviour in the registry. */
  kind: z.literal("addr-add"),
  /** Link name, e.g. `eth0`. */
  dev: linkName,
  /** Named netns holding the link; absent for the host's own. */
  netns: netnsName.optional(),
  /** The address with its attributes. */
  addr: addrSpecSchema,
  /**
   * IPv6: add it with `nodad` and then set its own flags, so it is usable at
   * once with exactly its attributes (for an address moving between this
   * host's links; see `addrAddCommands`).
   */
  skipDad: z.boolean().optional(),
});

/** Add an address: `ip [-n NS] addr add …` (ip-address(8)). */
export type AddrAddStep = Infer<typeof addrAddSchema>;

/** How long verification waits for an IPv6 address to leave `tentative`, in ms. */
export const DAD_WAIT_MS = 3000;

/**
 * `addr-add`: `ip [-n NS] addr add ADDR/PLEN … dev DEV` (ip-address(8)).
 * Verified present; an IPv6 address still `tentative` (duplicate address
 * detection, RFC 4862) is waited for up to {@link DAD_WAIT_MS}, and
 * `dadfailed` is an error, so a command started next can bind to it.
 */
export const addrAdd: StepKind<AddrAddStep> = {
  schema: addrAddSchema,
  summary: (s) => `add address ${s.addr.local}/${s.addr.prefixlen} to '${s.dev}'${s.netns ? ` in '${s.netns}'` : ""}`,
  object: (s) => s.netns ? objectId("netns", s.netns) : objectId("link", s.dev),
  renamed(s, captured, rename) {
    if (s.netns) return { step: s, captured };
    return { step: { ...s, dev: rename(s.dev), addr: renamedAddr(s.addr, s.dev, rename(s.dev)) }, captured };
  },
  commands: (s) => addrAddCommands(s.addr, s.dev, s.netns, s.skipDad),
  async verify(s, ctx) {
    const deadline = Date.now() + DAD_WAIT_MS;
    for (;;) {
      const found = await findAddr(ctx.ip, s.dev, s.addr, s.netns);
      if (!found) return `address ${s.addr.local}/${s.addr.prefixlen} is not on '${s.dev}'`;
      if (found.dadfailed) return `address ${s.addr.local} failed duplicate address detection (another host has it)`;
      if (!found.tentative) return undefined;
      if (Date.now() > deadline) return `address ${s.addr.local} is still tentative after ${DAD_WAIT_MS} ms`;
      await new Promise((r) => setTimeout(r, 100));
    }
  },
  async isReverted(s, ctx) {
    return !(await findAddr(ctx.ip, s.dev, s.addr, s.netns));
  },
  async revert(s, ctx) {
    await ctx.run(addrArgv("del", s.addr, s.dev, s.netns));
  },
};

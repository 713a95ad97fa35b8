import { linkName } from "./fields.ts";
import { type Infer, type StepKind, stepSchema } from "./types.ts";
import { addrAddCommands, addrArgv, type AddrSpec, addrSpecFromJson, addrSpecSchema, renamedAddr } from "./specs.ts";
import { findAddr, waitAddrUsable } from "./addr_lookup.ts";
import { objectId } from "./objects.ts";

/**
 * `addr-del`'s schema (as planned and journalled).
 * @ignore Its type, without zod's: {@link AddrDelStep}.
 */
export const addrDelSchema = stepSchema("addr-del", () => ({
  /** Link name in the host's network namespace. */
  dev: linkName(),
  /** The address to delete, identified by `family`, `local` and `prefixlen`; its other attributes are captured. */
  addr: addrSpecSchema(),
}));

/**
 * Delete an address. The full address (every attribute) is captured before
 * the deletion and re-added by the inverse.
 */
export type AddrDelStep = Infer<typeof addrDelSchema>;

/**
 * `addr-del`: `ip addr del ADDR/PLEN dev DEV` (ip-address(8)). Before it runs,
 * the address is captured from `ip -json addr` with every attribute; the
 * inverse adds it back with them. Beware the kernel: deleting a primary IPv4
 * address also deletes its secondaries and the routes using it (unless
 * `promote_secondaries`), so plans delete secondaries and routes first.
 */
export const addrDel: StepKind<AddrDelStep> = {
  schema: addrDelSchema,
  summary: (s) => `remove address ${s.addr.local}/${s.addr.prefixlen} from '${s.dev}'`,
  object: (s) => objectId("link", s.dev),
  renamed(s, captured, rename) {
    const dev = rename(s.dev);
    return {
      step: { ...s, dev, addr: renamedAddr(s.addr, s.dev, dev) },
      captured: captured === undefined ? undefined : renamedAddr(captured as AddrSpec, s.dev, dev),
    };
  },
  commands: (s) => [addrArgv("del", s.addr, s.dev)],
  async capture(s, ctx) {
    const found = await findAddr(ctx.ip, s.dev, s.addr);
    return found ? addrSpecFromJson(found) : s.addr;
  },
  async verify(s, ctx) {
    return (await findAddr(ctx.ip, s.dev, s.addr)) ? `address ${s.addr.local} is still on '${s.dev}'` : undefined;
  },
  async isReverted(s, ctx, captured) {
    return !!(await findAddr(ctx.ip, s.dev, (captured as AddrSpec | undefined) ?? s.addr));
  },
  preview(s, _ctx, captured) {
    const spec = (captured as AddrSpec | undefined) ?? s.addr;
    return Promise.resolve([
      ...addrAddCommands(spec, s.dev, undefined, true).map((argv) => `$ ${argv.join(" ")}`),
      `then waits until ${spec.local} is usable on '${s.dev}'`,
    ]);
  },
  async revert(s, ctx, captured) {
    // The address was this link's: re-added usable at once, with exactly its own flags (no new DAD round).
    const spec = (captured as AddrSpec | undefined) ?? s.addr;
    for (const argv of addrAddCommands(spec, s.dev, undefined, true)) await ctx.run(argv);
    // Settle before undo reports the host restored: the IPv6 local route comes back a moment after the address.
    // The outcome itself is judged by isReverted (the address is there), so a slow kernel only costs the wait.
    await waitAddrUsable(ctx.ip, s.dev, spec);
  },
};

import type { StepContext } from "./types.ts";

/** What `ip link add` sets on a new link besides its type. */
export interface NewLink {
  /** Name of the new link, e.g. `br0`. */
  dev: string;
  /** Its MAC, e.g. `02:00:5e:10:00:01`; the kernel's choice when absent. */
  mac?: string;
  /** Its MTU in bytes; the kernel default when absent. */
  mtu?: number;
}

/**
 * `ip link add dev DEV [address MAC] [mtu M] type TYPE…` (ip-link(8)).
 * @param link The new link.
 * @param type `type` and what follows it, e.g. `["bridge", "stp_state", "0"]`.
 * @returns The argv.
 */
export function linkAddArgv(link: NewLink, type: readonly string[]): string[] {
  return [
    "ip",
    "link",
    "add",
    "dev",
    link.dev,
    ...(link.mac ? ["address", link.mac] : []),
    ...(link.mtu ? ["mtu", String(link.mtu)] : []),
    "type",
    ...type,
  ];
}

/**
 * The inverse of creating a link: `ip link del dev DEV` (ip-link(8)), which
 * also deletes a veth's peer and releases a bridge's ports. Already reverted
 * once the link is gone.
 */
export const linkRemoval = {
  /**
   * Whether the link is gone.
   * @param s The step that created it.
   * @param ctx The step context.
   * @returns `true` when no link has that name.
   */
  async isReverted(s: NewLink, ctx: StepContext): Promise<boolean> {
    return !(await ctx.ip.link(s.dev));
  },
  /**
   * Deletes the link.
   * @param s The step that created it.
   * @param ctx The step context.
   * @throws {CommandError} When `ip link del` fails.
   */
  async revert(s: NewLink, ctx: StepContext): Promise<void> {
    await ctx.run(["ip", "link", "del", "dev", s.dev]);
  },
};

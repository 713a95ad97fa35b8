/**
 * What the kinds that create a link share (`bridge-add`, `veth-add`): the
 * fields of the new link, the `ip link add` argv, and the inverse, which
 * deletes the link by name.
 *
 * @module
 */
import { z } from "../zod_deferred.ts";
import { linkName, mac, uint } from "./fields.ts";
import { type ObjectId, objectId } from "./objects.ts";
import type { Captured, StepContext } from "./types.ts";
import { revertByInverse } from "./inverse.ts";

/**
 * The schema fields of a new link: `dev`, and optionally `mac` and `mtu` (spread into a kind's schema).
 * @returns zod fields, built when a kind's schema is (`stepSchema`).
 */
// deno-lint-ignore explicit-module-boundary-types
export function newLinkFields() {
  return {
    /** Name of the new link, e.g. `br0`. */
    dev: linkName(),
    /** Its MAC, e.g. `02:00:5e:10:00:01`; the kernel's choice when absent. */
    mac: z.optional(mac()),
    /** Its MTU in bytes; the kernel default (1500) when absent. */
    mtu: z.optional(uint()),
  };
}

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
 * The behaviour every link-creating kind shares: it owns `link:DEV`, follows
 * the link when it is renamed behind nsrecipe's back, and its inverse is
 * `ip link del dev DEV` (ip-link(8)), which also deletes a veth's peer and
 * releases a bridge's ports (plain `ip`: undo deletes consecutive links in one
 * `ip -batch`); it is reverted once no link has that name.
 *
 * @typeParam S The kind's step type.
 * @returns `object`, `removes`, `renamed`, `isReverted`, `inverse` and `revert`, to spread into the kind.
 */
export function newLink<S extends NewLink>(): {
  object(s: S): ObjectId;
  removes: true;
  renamed(s: S, captured: Captured, rename: (dev: string) => string): { step: S; captured: Captured };
  isReverted(s: S, ctx: StepContext): Promise<boolean>;
  inverse(s: S, captured: Captured): string[][];
  revert(s: S, ctx: StepContext, captured: Captured): Promise<void>;
} {
  return {
    object: (s) => objectId("link", s.dev),
    removes: true,
    renamed: (s, captured, rename) => ({ step: { ...s, dev: rename(s.dev) }, captured }),
    isReverted: async (s, ctx) => !(await ctx.ip.link(s.dev)),
    ...revertByInverse<S>((s) => [["ip", "link", "del", "dev", s.dev]]),
  };
}

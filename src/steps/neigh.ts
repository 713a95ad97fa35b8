/**
 * The behaviour shared by `neigh-add` and `neigh-del`: one definition of a
 * neighbour entry step on a host link (ip-neighbour(8)), its summary, object,
 * renaming, argv and checks; the two differ in the verb, in which one is
 * verified present, and in `neigh-del` capturing the entry first so that its
 * inverse re-adds it with every attribute.
 *
 * @module
 */
import { type StepKind, stepSchema } from "./types.ts";
import { linkName } from "./fields.ts";
import { objectId } from "./objects.ts";
import { revertByInverse } from "./inverse.ts";
import { presenceChecks } from "./presence.ts";
import { neighArgv, neighKindText, type NeighSpec, neighSpecFromJson, neighSpecSchema } from "./specs.ts";
import { findNeigh } from "./neigh_lookup.ts";

/** The fields of a neighbour step besides its `kind` (zod); the data type is {@link NeighStep}. */
const neighStepFields = () => ({
  /** Link name in the host's network namespace, e.g. `br0`. */
  dev: linkName(),
  /**
   * The entry; `neigh-del` finds it by `dst` and `proxy` and captures its
   * other attributes from `ip -json neigh` before deleting it.
   */
  neigh: neighSpecSchema(),
});

/**
 * The behaviour of a neighbour step, without its schema.
 * @typeParam S The step's data type (`neigh-add` or `neigh-del`): the link `dev` and the entry `neigh`.
 * @param op `"add"`: `ip neigh replace` (so an entry the cache learned meanwhile becomes the permanent one),
 *   verified present, reverted by `ip neigh del`; `"del"`: `ip neigh del` after capturing the entry from
 *   `ip -json neigh`, verified absent, reverted by `ip neigh replace` of the captured entry.
 * @returns Every member of {@link StepKind} but `schema`.
 */
function neighKind<S extends { kind: string; dev: string; neigh: NeighSpec }>(
  op: "add" | "del",
): Omit<StepKind<S>, "schema"> {
  const add = op === "add";
  return {
    summary: (s) =>
      `${add ? "add" : "remove"} ${neighKindText(s.neigh)} neighbour ${s.neigh.dst} ${add ? "to" : "from"} '${s.dev}'`,
    object: (s) => objectId("link", s.dev),
    renamed: (s, captured, rename) => ({ step: { ...s, dev: rename(s.dev) }, captured }),
    commands: (s) => [neighArgv(add ? "replace" : "del", s.neigh, s.dev)],
    ...(add ? {} : {
      async capture(s: S, ctx) {
        const found = await findNeigh(ctx.ip, s.dev, s.neigh);
        return found ? neighSpecFromJson(found) : s.neigh;
      },
    }),
    ...presenceChecks<S>(
      add ? "present" : "absent",
      async (s, ctx) => (await findNeigh(ctx.ip, s.dev, s.neigh)) !== undefined,
      (s) => [`neighbour ${s.neigh.dst}`, `on '${s.dev}'`],
    ),
    ...revertByInverse<S>((s, captured) =>
      add
        ? [neighArgv("del", s.neigh, s.dev)]
        : [neighArgv("replace", (captured as NeighSpec | undefined) ?? s.neigh, s.dev)]
    ),
  };
}

/** A neighbour step's data: its kind, the host link and the entry. */
export interface NeighStep<K extends "neigh-add" | "neigh-del"> {
  /** Step tag: the discriminant of `Step`, and the key of its behaviour in the registry. */
  kind: K;
  /** Link name in the host's network namespace, e.g. `br0`. */
  dev: string;
  /**
   * The entry; `neigh-del` finds it by `dst` and `proxy` and captures its
   * other attributes from `ip -json neigh` before deleting it.
   */
  neigh: NeighSpec;
}

/** Add a permanent, noarp or proxy neighbour entry: `ip neigh add … dev DEV` (ip-neighbour(8)). */
export type NeighAddStep = NeighStep<"neigh-add">;

/**
 * Delete a permanent or proxy neighbour entry; the entry is captured first
 * and re-added by the inverse.
 */
export type NeighDelStep = NeighStep<"neigh-del">;

/**
 * `neigh-add`: `ip neigh replace DST [lladdr MAC] [router] [extern_learn] nud permanent|noarp
 * dev DEV`, or `ip neigh add proxy DST dev DEV` (ip-neighbour(8)); `replace` so
 * that an entry the cache learned meanwhile becomes the permanent one. Verified by reading the entry back; the
 * inverse deletes it.
 */
export const neighAdd: StepKind<NeighAddStep> = {
  schema: stepSchema("neigh-add", neighStepFields),
  ...neighKind<NeighAddStep>("add"),
};

/**
 * `neigh-del`: `ip neigh del [proxy] DST dev DEV` (ip-neighbour(8)). Needed
 * because the kernel itself flushes a link's IPv4 neighbours, permanent ones
 * included, when its last IPv4 address is removed (`fib_disable_ip` →
 * `arp_ifdown`): deleting them first puts them in the journal, and undo
 * brings them back.
 */
export const neighDel: StepKind<NeighDelStep> = {
  schema: stepSchema("neigh-del", neighStepFields),
  ...neighKind<NeighDelStep>("del"),
};

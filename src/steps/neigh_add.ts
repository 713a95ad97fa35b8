import { z } from "zod";
import { linkName } from "./fields.ts";
import type { Infer, StepKind } from "./types.ts";
import { neighArgv, neighKindText, neighSpecSchema } from "./specs.ts";
import { neighIsThere, neighWhere } from "./neigh_lookup.ts";
import { presenceChecks } from "./presence.ts";
import { objectId } from "./objects.ts";
import { revertByInverse } from "./inverse.ts";

/**
 * The schema of a `neigh-add` step: its data as planned and as journalled.
 * @ignore zod's inferred type has no name the docs can show; read {@link NeighAddStep}.
 */
export const neighAddSchema = z.object({
  /** Step tag: the discriminant of `Step`, and the key of its behaviour in the registry. */
  kind: z.literal("neigh-add"),
  /** Link name in the host's network namespace, e.g. `br0`. */
  dev: linkName,
  /** The entry. */
  neigh: neighSpecSchema,
});

/** Add a permanent, noarp or proxy neighbour entry: `ip neigh add … dev DEV` (ip-neighbour(8)). */
export type NeighAddStep = Infer<typeof neighAddSchema>;

/**
 * `neigh-add`: `ip neigh replace DST [lladdr MAC] [router] [extern_learn] nud permanent|noarp
 * dev DEV`, or `ip neigh add proxy DST dev DEV` (ip-neighbour(8)); `replace` so
 * that an entry the cache learned meanwhile becomes the permanent one. Verified by reading the entry back; the
 * inverse deletes it.
 */
export const neighAdd: StepKind<NeighAddStep> = {
  schema: neighAddSchema,
  summary: (s) => `add ${neighKindText(s.neigh)} neighbour ${s.neigh.dst} to '${s.dev}'`,
  object: (s) => objectId("link", s.dev),
  renamed: (s, captured, rename) => ({ step: { ...s, dev: rename(s.dev) }, captured }),
  commands: (s) => [neighArgv("replace", s.neigh, s.dev)],
  ...presenceChecks<NeighAddStep>("present", neighIsThere, neighWhere),
  ...revertByInverse((s) => [neighArgv("del", s.neigh, s.dev)]),
};

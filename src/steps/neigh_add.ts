import { z } from "zod";
import type { Infer, StepKind } from "./types.ts";
import { neighKind, neighStepFields } from "./neigh_kind.ts";

/**
 * The schema of a `neigh-add` step: its data as planned and as journalled.
 * @ignore zod's inferred type has no name the docs can show; read {@link NeighAddStep}.
 */
export const neighAddSchema = z.object({
  /** Step tag: the discriminant of `Step`, and the key of its behaviour in the registry. */
  kind: z.literal("neigh-add"),
  ...neighStepFields,
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
  ...neighKind<NeighAddStep>("add"),
};

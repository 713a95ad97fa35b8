import { z } from "zod";
import type { Infer, StepKind } from "./types.ts";
import { neighKind, neighStepFields } from "./neigh_kind.ts";

/**
 * The schema of a `neigh-del` step: its data as planned and as journalled.
 * @ignore zod's inferred type has no name the docs can show; read {@link NeighDelStep}.
 */
export const neighDelSchema = z.object({
  /** Step tag: the discriminant of `Step`, and the key of its behaviour in the registry. */
  kind: z.literal("neigh-del"),
  ...neighStepFields,
});

/**
 * Delete a permanent or proxy neighbour entry; the entry is captured first
 * and re-added by the inverse.
 */
export type NeighDelStep = Infer<typeof neighDelSchema>;

/**
 * `neigh-del`: `ip neigh del [proxy] DST dev DEV` (ip-neighbour(8)). Needed
 * because the kernel itself flushes a link's IPv4 neighbours, permanent ones
 * included, when its last IPv4 address is removed (`fib_disable_ip` →
 * `arp_ifdown`): deleting them first puts them in the journal, and undo
 * brings them back.
 */
export const neighDel: StepKind<NeighDelStep> = {
  schema: neighDelSchema,
  ...neighKind<NeighDelStep>("del"),
};

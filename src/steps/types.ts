/**
 * What every step kind shares: the {@link StepKind} interface a kind's
 * behaviour implements, the {@link StepContext} it runs with, and
 * {@link Infer}, which derives a step's data type from its zod schema. Each
 * kind's schema, type and behaviour live together in `src/steps/<kind>.ts`;
 * `registry.ts` lists them.
 *
 * @module
 */
import type { core } from "zod/mini";
import { z } from "../zod_deferred.ts";
import { lazy } from "../lazy.ts";
import type { Runner } from "../exec/mod.ts";
import type { IpReader } from "../host/ip_json.ts";
import type { ObjectId } from "./objects.ts";

/**
 * The data type a zod schema yields (zod's `z.output<S>`, spelled out as
 * zod 4 defines it so the documented API names no zod-internal type), also
 * of a schema built on first use (`() => schema`, see `src/lazy.ts`).
 *
 * @typeParam S A zod schema, or a function that returns one.
 */
export type Infer<S> = S extends () => infer T ? Infer<T> : S extends { _zod: { output: infer O } } ? O : never;

/**
 * A step kind's zod schema: `{ kind: KIND, ...fields }`, built on its first
 * use (`src/lazy.ts`): a command checks only the kinds its journal holds. The
 * `kind` tag is the discriminant of `Step` and the key of the kind's behaviour
 * in the registry; every other field is the kind's own, documented where the
 * kind declares it.
 *
 * @param kind The kind's tag, e.g. `"route-del"`.
 * @param fields Makes the kind's zod fields besides `kind`, e.g. `() => ({ route: routeSpecSchema() })`.
 * @returns The schema's getter; {@link Infer} of it is the step's data type.
 * @ignore zod's object type has no name the docs can show.
 */
// deno-lint-ignore explicit-module-boundary-types
export function stepSchema<K extends string, F extends core.$ZodShape>(kind: K, fields: () => F) {
  return lazy(() => z.object({ kind: z.literal(kind), ...fields() }));
}

/** One problem a schema found, e.g. `{ path: ["netns"], message: "not a name nsrecipe writes" }`. */
export interface StepIssue {
  /** Where in the step, e.g. `["addr", "prefixlen"]`; `[]` for the step itself. */
  path: PropertyKey[];
  /** What is wrong. */
  message: string;
}

/**
 * What the registry needs of a kind's zod schema: to check a step read back
 * from the journal. A zod object schema of the step's data satisfies it.
 *
 * @typeParam S The step's data type.
 */
export interface StepSchema<S> {
  /**
   * Checks a value without throwing.
   * @param value Any JSON value, e.g. one step of a journal record.
   * @returns The typed step, or the issues found.
   */
  safeParse(value: unknown): { success: true; data: S } | { success: false; error: { issues: StepIssue[] } };
}

/** JSON-serialisable prior state captured by a destructive step before it runs. */
export type Captured = unknown;

/** What steps may use while applying, verifying and reverting. */
export interface StepContext {
  /** The process seam. */
  run: Runner;
  /** Reader of `ip -json` state. */
  ip: IpReader;
  /**
   * Path naming the host's network namespace for moves back out of a named
   * one, e.g. `/proc/1234/ns/net` (ip-link(8) `netns NETNSFILE`).
   */
  hostNetnsPath: string;
  /**
   * Tells the admin about an action taken on their behalf that no step
   * summary names (e.g. the processes undo ends); one line each.
   */
  log?: (line: string) => void;
}

/**
 * One kind of step: the schema of its data and its behaviour.
 *
 * @typeParam S The step's data type, `{ kind: "…", … }`.
 */
export interface StepKind<S extends { kind: string }> {
  /**
   * The zod schema of the step's data (its type is `Infer` of it), built on the first call (`stepSchema`); the
   * journal checks every step against it.
   */
  schema(): StepSchema<S>;
  /** One line for humans, e.g. `create network namespace 'web'`. */
  summary(step: S): string;
  /**
   * The object the step creates or changes, e.g. `netns:web` or `link:br0`
   * (built with `objectId`).
   * Used for ownership: a run that relies on an object another run owns
   * names it in its `uses`, and undo hands such steps over instead of
   * reverting them.
   */
  object(step: S): ObjectId;
  /**
   * Every named object the step acts on or whose name its inverse uses, as
   * object ids (`netns:web`, `link:br0`); default `[object(step)]`. The
   * journal records the identity of each (`src/host/identity.ts`), and undo
   * checks it before it acts: a step on an object someone else made under the
   * same name is left alone.
   */
  refs?(step: S): ObjectId[];
  /**
   * The same step, and its captured prior state, with the names of host links
   * changed, for an object renamed behind nsrecipe's back (`ip link set br0
   * name brlan`): undo follows the object it made, not its old name. Absent
   * for kinds that name no host link.
   * @param step The step.
   * @param captured What its intent record captured.
   * @param rename Maps a host link name to its current one (identity for the rest).
   * @returns The renamed step and captured state.
   */
  renamed?(step: S, captured: Captured, rename: (dev: string) => string): { step: S; captured: Captured };
  /** The exact commands the step runs, in order (what `plan` prints). */
  commands(step: S): string[][];
  /**
   * Reads the full prior state that the inverse needs, before the step runs;
   * stored in the write-ahead journal record.
   */
  capture?(step: S, ctx: StepContext): Promise<Captured>;
  /**
   * Performs the step; default: runs {@link StepKind.commands} in order.
   * @throws {CommandError} When a command fails.
   */
  apply?(step: S, ctx: StepContext): Promise<void>;
  /**
   * Checks the effect took place.
   * @returns `undefined` when it did, else what is wrong.
   */
  verify(step: S, ctx: StepContext): Promise<string | undefined>;
  /** Whether the effect is already gone (so undo has nothing to do). */
  isReverted(step: S, ctx: StepContext, captured: Captured): Promise<boolean>;
  /**
   * The objects whose deletion takes this step's whole effect with it, with
   * nothing outside them relying on it (e.g. a route inside netns `web`:
   * `[netns:web]`; `link-set-up` of `veth-web`: `[link:veth-web]`). When the
   * same undo deletes one of them (a kind with {@link StepKind.removes}), the
   * step needs no inverse of its own: it is recorded `subsumed`. Absent for
   * effects that outlive the object or that the host's routing sees while it
   * exists (a host address or route on a bridge nsrecipe made keeps its
   * explicit inverse, so full-migrate's switch back keeps its order).
   */
  within?(step: S): ObjectId[];
  /**
   * For a kind whose object is one end of a pair whose other end a step
   * among `others` moved into a named netns (a veth pair, veth(4)): that
   * netns, e.g. `netns:web`. Deleting either end of a veth deletes the pair,
   * and the kernel deletes the links of a network namespace it destroys (in
   * its netns workqueue, asynchronously: `cleanup_net`), so the pair goes
   * with that netns; but only once it is destroyed, which `ip netns del`
   * does not guarantee (ip-netns(8): it removes the name, the bind mount
   * `/run/netns/NAME`; a bind mount elsewhere, an open file or a process
   * holds the namespace, and the pair, alive). Unlike {@link StepKind.within}
   * the step is therefore not recorded until its object is seen gone: undo
   * leaves its inverse out of the batch that deletes that netns, then waits,
   * bounded, for the object to go, and runs the inverse when it has not
   * (`src/engine/peer_netns.ts`).
   * @param step The step.
   * @param others The steps the same undo reverts or records whose effect took place (recorded done, or
   *   inherited), in any order: a move recorded only as intended may not have run.
   * @returns The netns's object id, or `undefined` when no step of `others` moved the other end into one.
   */
  peerNetns?(step: S, others: readonly { kind: string }[]): ObjectId | undefined;
  /** `true` for a kind whose inverse deletes its object and everything in it (a netns, a link it made). */
  removes?: boolean;
  /**
   * The inverse's commands, in order, for a kind whose {@link StepKind.revert}
   * is exactly running them (full `ip` argv, as {@link StepKind.commands});
   * absent when reverting needs more (a wait, a read, processes ended). Undo
   * runs consecutive such inverses in one namespace as one `ip -batch`
   * (`src/engine/ip_batch.ts`), so a switch like full-migrate's has no gap.
   * @param step The step (with current names, see {@link StepKind.renamed}).
   * @param captured What its intent record captured.
   * @returns The argv of each command.
   */
  inverse?(step: S, captured: Captured): string[][];
  /**
   * What must be done before the {@link StepKind.inverse}'s commands when
   * undo runs them in a batch (its {@link StepKind.revert} does it itself):
   * `netns-add` ends the processes inside the namespace first.
   * @throws {CommandError} When it cannot be done: the inverse is not run.
   */
  beforeInverse?(step: S, ctx: StepContext): Promise<void>;
  /**
   * Reverts the effect.
   * @throws {CommandError} When an inverse command fails.
   */
  revert(step: S, ctx: StepContext, captured: Captured): Promise<void>;
  /**
   * What {@link StepKind.revert} would do, for `--dry-run undo`, besides the
   * {@link StepKind.inverse}'s commands (before them), or all of it for a kind
   * without one: one line each, a command as `$ argv`, anything else in words
   * (e.g. the processes it would end). Only reads.
   * @param step The step.
   * @param ctx Step context (reads only).
   * @param captured What its intent record captured.
   * @returns The lines, in the order revert acts.
   */
  preview?(step: S, ctx: StepContext, captured: Captured): Promise<string[]>;
}

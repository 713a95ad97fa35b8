/**
 * The shape every journal record must have before nsrecipe acts on it. Undo
 * runs the inverse of what a record describes, so a record that is valid JSON
 * but lacks a field (a step without its namespace name, an index that is not
 * a number) counts as unreadable, exactly like a garbled line.
 *
 * Objects are checked loosely: fields this version does not know are kept,
 * so that a compatible addition within one schema version does not make old
 * journals unreadable; missing or mistyped known fields are refused.
 *
 * @module
 */
import type { ZodMiniObject } from "zod/mini";
import { z } from "../zod.ts";
import { lazy } from "../lazy.ts";
import { stepIssues } from "../steps/mod.ts";
import type { JournalRecord } from "./records.ts";

const text = lazy(() => z.string().check(z.minLength(1), z.maxLength(256)));
const uint = lazy(() => z.number().check(z.int(), z.minimum(0)));

/** A step: its kind's own schema (`src/steps/<kind>.ts`) decides. */
const step = lazy(() =>
  z.looseObject({ kind: z.string() }).check(z.superRefine((s, ctx) => {
    for (const issue of stepIssues(s)) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
  }))
);

/** Object identities as `src/host/identity.ts` records them, by object id. */
const identities = lazy(() => {
  const identity = z.discriminatedUnion("type", [
    z.looseObject({ type: z.literal("netns"), dev: uint(), ino: uint(), mtimeMs: z.optional(z.number()) }),
    z.looseObject({
      type: z.literal("link"),
      ifindex: uint(),
      mac: z.optional(text()),
      macStable: z.optional(z.literal(true)),
    }),
  ]);
  return z.optional(z.record(z.string().check(z.regex(/^(link|netns):[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/)), identity));
});

const base = () => ({
  v: z.number().check(z.int(), z.minimum(1)),
  run: z.string().check(z.regex(/^[A-Za-z0-9_.:-]{1,64}$/)),
  at: z.string(),
});
const indexed = () => ({ ...base(), index: uint() });

/**
 * One schema per record kind, each built when a record of its kind is first
 * checked (`src/lazy.ts`); the mapped type makes a new kind of record fail to
 * compile until its shape is added here.
 */
const RECORD_SHAPES: { [K in JournalRecord["kind"]]: () => ZodMiniObject } = {
  "run-begin": lazy(() =>
    z.looseObject({
      ...base(),
      kind: z.literal("run-begin"),
      recipe: text(),
      label: text(),
      params: z.record(z.string(), z.unknown()),
      uses: z.array(z.string()),
      steps: z.array(step()),
      handover: z.optional(z.array(z.string())),
      bootId: z.string(),
      netns: z.optional(z.looseObject({ dev: uint(), ino: uint() })),
      pid: uint(),
    })
  ),
  "step-intent": lazy(() => z.looseObject({ ...indexed(), kind: z.literal("step-intent"), identities: identities() })),
  "step-done": lazy(() => z.looseObject({ ...indexed(), kind: z.literal("step-done"), identities: identities() })),
  "step-failed": lazy(() => z.looseObject({ ...indexed(), kind: z.literal("step-failed"), error: z.string() })),
  "step-undo-failed": lazy(() =>
    z.looseObject({ ...indexed(), kind: z.literal("step-undo-failed"), error: z.string() })
  ),
  "step-undone": lazy(() =>
    z.looseObject({
      ...indexed(),
      kind: z.literal("step-undone"),
      how: z.enum(["reverted", "already-gone", "handed-over", "subsumed"]),
      to: z.optional(z.string()),
      leftAlone: z.optional(z.string()),
    })
  ),
  "confirm-wait": lazy(() =>
    z.looseObject({
      ...base(),
      kind: z.literal("confirm-wait"),
      deadline: uint(),
      watchdogPid: uint(),
      watchdogStart: z.optional(uint()),
    })
  ),
  "run-confirmed": lazy(() =>
    z.looseObject({
      ...base(),
      kind: z.literal("run-confirmed"),
      by: z.enum(["tty", "command"]),
      invokedAt: z.optional(uint()),
    })
  ),
  "confirm-expired": lazy(() =>
    z.looseObject({
      ...base(),
      kind: z.literal("confirm-expired"),
      how: z.optional(z.enum(["deadline", "prompt-no", "prompt-interrupt"])),
      signal: z.optional(z.enum(["SIGINT", "SIGTERM", "SIGHUP"])),
    })
  ),
  "run-end": lazy(() =>
    z.looseObject({
      ...base(),
      kind: z.literal("run-end"),
      state: z.enum(["applied", "rolled-back", "undone", "incomplete", "stale"]),
    })
  ),
};

/** What every record has, whatever its kind: a `kind` that is a string (zod's words when it is not). */
const ANY_RECORD = lazy(() => z.looseObject({ kind: z.string() }));

/**
 * Checks a parsed JSON value against the record schema.
 * @param value One JSON-parsed line with a supported `v`.
 * @returns `undefined` when well formed, else what is wrong, e.g.
 *   `steps.0.netns: not a name nsrecipe writes`.
 */
export function recordIssue(value: unknown): string | undefined {
  // The record's kind picks its shape first, in plain code: one zod check per record, of its own kind only.
  const kind = (value as { kind?: unknown }).kind;
  if (typeof kind !== "string") return issueText(ANY_RECORD().safeParse(value).error?.issues[0]);
  if (!Object.hasOwn(RECORD_SHAPES, kind)) return `kind: unknown record kind ${JSON.stringify(kind)}`;
  const r = RECORD_SHAPES[kind as JournalRecord["kind"]]().safeParse(value);
  if (!r.success) return issueText(r.error.issues[0]);
  const undone = value as { how?: unknown; to?: unknown };
  if (kind === "step-undone" && undone.how === "handed-over" && typeof undone.to !== "string") {
    return "to: a handed-over step must name the run it went to";
  }
  return undefined;
}

/** A zod issue as {@link recordIssue} reports it: `PATH: MESSAGE`, or the message alone for the record itself. */
function issueText(issue: { path: PropertyKey[]; message: string } | undefined): string | undefined {
  return issue && `${issue.path.length ? `${issue.path.join(".")}: ` : ""}${issue.message}`;
}

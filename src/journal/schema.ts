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
import { z } from "zod";
import { stepIssues } from "../steps/mod.ts";
import type { JournalRecord } from "./records.ts";

const text = z.string().min(1).max(256);
const uint = z.number().int().min(0);

/** A step: its kind's own schema (`src/steps/<kind>.ts`) decides. */
const step = z.looseObject({ kind: z.string() }).superRefine((s, ctx) => {
  for (const issue of stepIssues(s)) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
});

/** An object identity as `src/host/identity.ts` records it. */
const identity = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("netns"), dev: uint, ino: uint, mtimeMs: z.number().optional() }),
  z.looseObject({
    type: z.literal("link"),
    ifindex: uint,
    mac: text.optional(),
    macStable: z.literal(true).optional(),
  }),
]);
const identities = z.record(z.string().regex(/^(link|netns):[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/), identity).optional();

const base = { v: z.number().int().min(1), run: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/), at: z.string() };
const indexed = { ...base, index: uint };

/**
 * One schema per record kind; the mapped type makes a new kind of record
 * fail to compile until its shape is added here.
 */
const RECORD_SHAPES: { [K in JournalRecord["kind"]]: z.ZodObject } = {
  "run-begin": z.looseObject({
    ...base,
    kind: z.literal("run-begin"),
    recipe: text,
    label: text,
    params: z.record(z.string(), z.unknown()),
    uses: z.array(z.string()),
    steps: z.array(step),
    handover: z.array(z.string()).optional(),
    bootId: z.string(),
    netns: z.looseObject({ dev: uint, ino: uint }).optional(),
    pid: uint,
  }),
  "step-intent": z.looseObject({ ...indexed, kind: z.literal("step-intent"), identities }),
  "step-done": z.looseObject({ ...indexed, kind: z.literal("step-done"), identities }),
  "step-failed": z.looseObject({ ...indexed, kind: z.literal("step-failed"), error: z.string() }),
  "step-undo-failed": z.looseObject({ ...indexed, kind: z.literal("step-undo-failed"), error: z.string() }),
  "step-undone": z.looseObject({
    ...indexed,
    kind: z.literal("step-undone"),
    how: z.enum(["reverted", "already-gone", "handed-over", "subsumed"]),
    to: z.string().optional(),
    leftAlone: z.string().optional(),
  }),
  "confirm-wait": z.looseObject({
    ...base,
    kind: z.literal("confirm-wait"),
    deadline: uint,
    watchdogPid: uint,
    watchdogStart: uint.optional(),
  }),
  "run-confirmed": z.looseObject({ ...base, kind: z.literal("run-confirmed"), by: z.enum(["tty", "command"]) }),
  "confirm-expired": z.looseObject({
    ...base,
    kind: z.literal("confirm-expired"),
    how: z.enum(["deadline", "prompt-no", "prompt-interrupt"]).optional(),
  }),
  "run-end": z.looseObject({
    ...base,
    kind: z.literal("run-end"),
    state: z.enum(["applied", "rolled-back", "undone", "incomplete", "stale"]),
  }),
};

/** The schema of one journal record (any kind). */
export const RECORD_SCHEMA: z.ZodType = z.looseObject({ kind: z.string() }).superRefine((r, ctx) => {
  const shape = Object.hasOwn(RECORD_SHAPES, r.kind) ? RECORD_SHAPES[r.kind as JournalRecord["kind"]] : undefined;
  if (!shape) {
    ctx.addIssue({ code: "custom", path: ["kind"], message: `unknown record kind ${JSON.stringify(r.kind)}` });
    return;
  }
  const parsed = shape.safeParse(r);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, code: "custom", message: issue.message });
    return;
  }
  if (r.kind === "step-undone" && r.how === "handed-over" && typeof r.to !== "string") {
    ctx.addIssue({ code: "custom", path: ["to"], message: "a handed-over step must name the run it went to" });
  }
});

/**
 * Checks a parsed JSON value against the record schema.
 * @param value One JSON-parsed line with a supported `v`.
 * @returns `undefined` when well formed, else what is wrong, e.g.
 *   `steps.0.netns: not a name nsrecipe writes`.
 */
export function recordIssue(value: unknown): string | undefined {
  const r = RECORD_SCHEMA.safeParse(value);
  if (r.success) return undefined;
  const first = r.error.issues[0];
  return `${first.path.length ? `${first.path.join(".")}: ` : ""}${first.message}`;
}

import assert from "node:assert/strict";
import { type core, z as npmZod } from "zod/mini";
import { z } from "../../src/zod.ts";
import { isStepKind, kindOf, type Step, stepIssues } from "../../src/steps/mod.ts";
import { JOURNAL_VERSION, RECORD_SCHEMA_REVISION } from "../../src/journal/records.ts";

/**
 * Every step kind, each once: the type makes a kind added to `Step` (or one removed) fail to compile here until it
 * is listed, so a new kind's schema cannot stay out of the pin.
 */
const STEP_KINDS: Record<Step["kind"], true> = {
  "netns-add": true,
  "link-set-up": true,
  "veth-add": true,
  "link-set-netns": true,
  "bridge-add": true,
  "link-set-master": true,
  "addr-add": true,
  "addr-del": true,
  "route-add": true,
  "route-del": true,
  "sysctl-set": true,
  "nat-add": true,
  "neigh-add": true,
  "neigh-del": true,
  "rule-add": true,
  "rule-del": true,
  "link-sysctl-set": true,
};

/**
 * What the journal's check decides by: the source of `src/journal/schema.ts` (the record shapes and the plain-code
 * rules beside them), every step kind's schema as JSON Schema (its fields' types, patterns, bounds, enums, from
 * `src/steps/<kind>.ts` and the shared fields), the registry's step check, and the record version.
 */
async function checkDescription(): Promise<string> {
  const steps = Object.keys(STEP_KINDS).map((kind) => {
    assert.ok(isStepKind(kind), kind);
    const schema = kindOf({ kind } as Step).schema() as unknown as core.$ZodType;
    // The npm package's export (the bundle keeps no JSON Schema code), reading the bundle's metadata.
    return [kind, npmZod.toJSONSchema(schema, { unrepresentable: "any", io: "input", metadata: z.globalRegistry })];
  });
  return JSON.stringify({
    version: JOURNAL_VERSION,
    schemaSource: await Deno.readTextFile(new URL("../../src/journal/schema.ts", import.meta.url)),
    stepIssues: stepIssues.toString(),
    isStepKind: isStepKind.toString(),
    steps,
  });
}

/** The revision and the hash of {@link checkDescription} it was raised for. */
const PINNED = { revision: 2, sha256: "9b87ec643821d2ee548cd811a1de733134bc645e97e46a1493f0076a9cb66a27" };

Deno.test("RECORD_SCHEMA_REVISION is raised with every change of the record or step schemas (a checked mark of the old ones is then ignored)", async () => {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(await checkDescription())),
  );
  const sha256 = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  assert.deepEqual(
    { revision: RECORD_SCHEMA_REVISION, sha256 },
    PINNED,
    "The journal's record or step schemas changed (or RECORD_SCHEMA_REVISION did): raise RECORD_SCHEMA_REVISION in " +
      "src/journal/records.ts by one (checked marks of the old schemas are then ignored), then set PINNED here to " +
      `{ revision: ${RECORD_SCHEMA_REVISION + 1}, sha256: "<the new hash above>" }.`,
  );
});

import { z } from "zod";
import type { Infer, StepKind } from "./types.ts";
import { ruleSpecSchema } from "./rule_spec.ts";
import { ruleKind } from "./rule_kind.ts";

/**
 * The schema of a `rule-add` step: its data as planned and as journalled.
 * @ignore zod's inferred type has no name the docs can show; read {@link RuleAddStep}.
 */
export const ruleAddSchema = z.object({
  /** Step tag: the discriminant of `Step`, and the key of its behaviour in the registry. */
  kind: z.literal("rule-add"),
  /** The rule with every selector and its action. */
  rule: ruleSpecSchema,
});

/** Add a policy routing rule: `ip -4|-6 rule add …` (ip-rule(8)). */
export type RuleAddStep = Infer<typeof ruleAddSchema>;

/**
 * `rule-add`: `ip -4|-6 rule add priority P … ` (ip-rule(8)). Verified by
 * reading the rules back; the inverse deletes exactly this rule.
 */
export const ruleAdd: StepKind<RuleAddStep> = {
  schema: ruleAddSchema,
  ...ruleKind<RuleAddStep>("add"),
};

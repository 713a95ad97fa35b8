import { z } from "zod";
import type { Infer, StepKind } from "./types.ts";
import { ruleSpecSchema } from "./rule_spec.ts";
import { ruleKind } from "./rule_kind.ts";

/**
 * The schema of a `rule-del` step: its data as planned and as journalled.
 * @ignore zod's inferred type has no name the docs can show; read {@link RuleDelStep}.
 */
export const ruleDelSchema = z.object({
  /** Step tag: the discriminant of `Step`, and the key of its behaviour in the registry. */
  kind: z.literal("rule-del"),
  /** The rule, with every selector and its action, exactly as `ip -json -details rule` showed it. */
  rule: ruleSpecSchema,
});

/** Delete a policy routing rule; the inverse adds it back exactly (ip-rule(8)). */
export type RuleDelStep = Infer<typeof ruleDelSchema>;

/**
 * `rule-del`: `ip -4|-6 rule del priority P …` naming every selector, so
 * only this rule goes (ip-rule(8)); the inverse re-adds it at its priority.
 */
export const ruleDel: StepKind<RuleDelStep> = {
  schema: ruleDelSchema,
  ...ruleKind<RuleDelStep>("del"),
};

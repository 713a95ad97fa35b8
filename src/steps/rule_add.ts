import { z } from "zod";
import type { Infer, StepKind } from "./types.ts";
import { objectId } from "./objects.ts";
import { revertByInverse } from "./inverse.ts";
import { renamedRule, ruleArgv, ruleMatches, ruleSpecSchema } from "./rule_spec.ts";

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
  summary: (s) =>
    `add IPv${s.rule.family} rule ${s.rule.priority}${s.rule.iif ? ` iif ${s.rule.iif}` : ""}${
      s.rule.oif ? ` oif ${s.rule.oif}` : ""
    }`,
  object: (s) => objectId("link", s.rule.iif ?? s.rule.oif ?? "-"),
  renamed: (s, captured, rename) => ({ step: { ...s, rule: renamedRule(s.rule, rename) }, captured }),
  commands: (s) => [ruleArgv("add", s.rule)],
  async verify(s, ctx) {
    return (await ctx.ip.rules(s.rule.family)).some((r) => ruleMatches(r, s.rule))
      ? undefined
      : `rule ${s.rule.priority} is not in the rule list`;
  },
  async isReverted(s, ctx) {
    return !(await ctx.ip.rules(s.rule.family)).some((r) => ruleMatches(r, s.rule));
  },
  ...revertByInverse((s) => [ruleArgv("del", s.rule)]),
};

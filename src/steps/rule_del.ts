import { z } from "zod";
import type { Infer, StepKind } from "./types.ts";
import { objectId } from "./objects.ts";
import { revertByInverse } from "./inverse.ts";
import { renamedRule, ruleArgv, ruleMatches, ruleSpecSchema } from "./rule_spec.ts";

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
  summary: (s) =>
    `remove IPv${s.rule.family} rule ${s.rule.priority}${s.rule.iif ? ` iif ${s.rule.iif}` : ""}${
      s.rule.oif ? ` oif ${s.rule.oif}` : ""
    }`,
  object: (s) => objectId("link", s.rule.iif ?? s.rule.oif ?? "-"),
  renamed: (s, captured, rename) => ({ step: { ...s, rule: renamedRule(s.rule, rename) }, captured }),
  commands: (s) => [ruleArgv("del", s.rule)],
  async verify(s, ctx) {
    return (await ctx.ip.rules(s.rule.family)).some((r) => ruleMatches(r, s.rule))
      ? `rule ${s.rule.priority} is still in the rule list`
      : undefined;
  },
  async isReverted(s, ctx) {
    return (await ctx.ip.rules(s.rule.family)).some((r) => ruleMatches(r, s.rule));
  },
  ...revertByInverse((s) => [ruleArgv("add", s.rule)]),
};

/**
 * The step kinds `rule-add` and `rule-del`, mirror images declared together:
 * one definition of a policy routing rule step (ip-rule(8)), its schema,
 * summary, object, renaming, argv and checks; the two kinds differ only in
 * which `ip rule` verb applies and which reverts.
 *
 * @module
 */
import { type StepKind, stepSchema } from "./types.ts";
import { objectId } from "./objects.ts";
import { revertByInverse } from "./inverse.ts";
import { presenceChecks } from "./presence.ts";
import { renamedRule, ruleArgv, ruleMatches, type RuleSpec, ruleSpecSchema } from "./rule_spec.ts";

/**
 * The behaviour of a rule step, without its schema.
 * @typeParam S The step's data type (`rule-add` or `rule-del`).
 * @param op `"add"`: `ip rule add`, verified present, reverted by `ip rule del`; `"del"`: the mirror image.
 * @returns Every member of {@link StepKind} but `schema`.
 */
function ruleKind<S extends { kind: string; rule: RuleSpec }>(op: "add" | "del"): Omit<StepKind<S>, "schema"> {
  const undoOp = op === "add" ? "del" : "add";
  return {
    summary: (s) =>
      `${op === "add" ? "add" : "remove"} IPv${s.rule.family} rule ${s.rule.priority}${
        s.rule.iif ? ` iif ${s.rule.iif}` : ""
      }${s.rule.oif ? ` oif ${s.rule.oif}` : ""}`,
    object: (s) => objectId("link", s.rule.iif ?? s.rule.oif ?? "-"),
    renamed: (s, captured, rename) => ({ step: { ...s, rule: renamedRule(s.rule, rename) }, captured }),
    commands: (s) => [ruleArgv(op, s.rule)],
    ...presenceChecks<S>(
      op === "add" ? "present" : "absent",
      async (s, ctx) => (await ctx.ip.rules(s.rule.family)).some((r) => ruleMatches(r, s.rule)),
      (s) => [`rule ${s.rule.priority}`, "in the rule list"],
    ),
    ...revertByInverse<S>((s) => [ruleArgv(undoOp, s.rule)]),
  };
}

/**
 * A rule step's data: its kind and the rule, with every selector and its
 * action (for `rule-del`, exactly as `ip -json -details rule` showed it).
 */
export interface RuleStep<K extends "rule-add" | "rule-del"> {
  /** Step tag: the discriminant of `Step`, and the key of its behaviour in the registry. */
  kind: K;
  /** The rule. */
  rule: RuleSpec;
}

/** Add a policy routing rule: `ip -4|-6 rule add …` (ip-rule(8)). */
export type RuleAddStep = RuleStep<"rule-add">;

/** Delete a policy routing rule; the inverse adds it back exactly (ip-rule(8)). */
export type RuleDelStep = RuleStep<"rule-del">;

/**
 * `rule-add`: `ip -4|-6 rule add priority P …` (ip-rule(8)). Verified by
 * reading the rules back; the inverse deletes exactly this rule.
 */
export const ruleAdd: StepKind<RuleAddStep> = {
  schema: stepSchema("rule-add", () => ({ rule: ruleSpecSchema() })),
  ...ruleKind<RuleAddStep>("add"),
};

/**
 * `rule-del`: `ip -4|-6 rule del priority P …` naming every selector, so
 * only this rule goes (ip-rule(8)); the inverse re-adds it at its priority.
 */
export const ruleDel: StepKind<RuleDelStep> = {
  schema: stepSchema("rule-del", () => ({ rule: ruleSpecSchema() })),
  ...ruleKind<RuleDelStep>("del"),
};

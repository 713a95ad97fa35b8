/**
 * The behaviour shared by `rule-add` and `rule-del`: one definition of a
 * policy routing rule step (ip-rule(8)), its summary, object, renaming,
 * argv and checks; the two kinds differ only in which `ip rule` verb applies
 * and which reverts.
 *
 * @module
 */
import type { StepKind } from "./types.ts";
import { objectId } from "./objects.ts";
import { revertByInverse } from "./inverse.ts";
import { presenceChecks } from "./presence.ts";
import { renamedRule, ruleArgv, ruleMatches, type RuleSpec } from "./rule_spec.ts";

/**
 * The behaviour of a rule step, without its schema.
 * @typeParam S The step's data type (`rule-add` or `rule-del`).
 * @param op `"add"`: `ip rule add`, verified present, reverted by `ip rule del`; `"del"`: the mirror image.
 * @returns Every member of {@link StepKind} but `schema`.
 */
export function ruleKind<S extends { kind: string; rule: RuleSpec }>(op: "add" | "del"): Omit<StepKind<S>, "schema"> {
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

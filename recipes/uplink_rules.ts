/**
 * The policy routing rules that name the uplink, which full-migrate moves to
 * the bridge. Pure.
 *
 * Once the uplink is a bridge port, traffic from the LAN enters the IP stack
 * on the bridge and leaves through it (Documentation/networking/bridge.rst):
 * a rule `iif eth0` or `oif eth0` (ip-rule(8)) no longer matches anything,
 * silently, so each such rule is re-added for the bridge at its priority and
 * the uplink's one removed; undo does the reverse.
 *
 * @module
 */
import { PreconditionError } from "../src/errors.ts";
import type { HostFacts } from "../src/host/mod.ts";
import { type RuleSpec, ruleSpecFromJson, unknownRuleKeys } from "../src/steps/mod.ts";

/**
 * The rules of both families that name the link as `iif` or `oif`, in
 * priority order (IPv4 first).
 * @param facts Host facts.
 * @param uplink Link name.
 * @returns The rules as specs.
 * @throws {PreconditionError} When such a rule has attributes nsrecipe cannot
 *   re-create exactly (named, with the rule's priority).
 */
export function uplinkRules(facts: HostFacts, uplink: string): RuleSpec[] {
  const out: RuleSpec[] = [];
  const unknown: string[] = [];
  for (const [family, rules] of [[4, facts.rules4], [6, facts.rules6]] as const) {
    for (const r of rules) {
      if (r.iif !== uplink && r.oif !== uplink) continue;
      const extra = unknownRuleKeys(r);
      if (extra.length > 0) unknown.push(`IPv${family} rule ${r.priority} (${extra.join(", ")})`);
      else out.push(ruleSpecFromJson(r, family));
    }
  }
  if (unknown.length > 0) {
    throw new PreconditionError(
      `The uplink '${uplink}' is named by policy rules that full-migrate cannot re-create exactly: ${
        unknown.join("; ")
      }`,
      "Remove them first and add them for the bridge yourself after the migration.",
    );
  }
  return out;
}

/**
 * The same rule for another link: `iif`/`oif` naming `from` name `to`.
 * @param rule A rule.
 * @param from The uplink.
 * @param to The bridge.
 * @returns A copy.
 */
export function ruleForLink(rule: RuleSpec, from: string, to: string): RuleSpec {
  return {
    ...rule,
    ...(rule.iif === from ? { iif: to } : {}),
    ...(rule.oif === from ? { oif: to } : {}),
  };
}

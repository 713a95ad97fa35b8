/**
 * Policy routing rules as data, with every selector and action `ip rule`
 * takes, and the argv that re-creates one (ip-rule(8)).
 *
 * @module
 */
import { z } from "../zod_deferred.ts";
import type { IpRule } from "../host/ip_json.ts";
import { linkName, text, uint } from "./fields.ts";
import { lazy } from "../lazy.ts";
import type { Infer } from "./types.ts";

/**
 * The schema of a {@link RuleSpec}.
 * @ignore zod's inferred type has no name the docs can show; read {@link RuleSpec}.
 */
export const ruleSpecSchema = lazy(() =>
  z.object({
    /** IP version: `4` or `6` (`ip -4` / `ip -6`). */
    family: z.union([z.literal(4), z.literal(6)]),
    /** Priority (`priority`). */
    priority: uint(),
    /** Negate the selector (`not`). */
    not: z.optional(z.boolean()),
    /** Source prefix (`from`), e.g. `198.51.100.10` or `10.0.0.0/8`; absent for all. */
    from: z.optional(text()),
    /** Destination prefix (`to`); absent for all. */
    to: z.optional(text()),
    /** Type of service (`tos`), e.g. `0x10`. */
    tos: z.optional(text()),
    /** Firewall mark with optional mask (`fwmark`), e.g. `0x10/0xff`. */
    fwmark: z.optional(text()),
    /** Incoming device (`iif`). */
    iif: z.optional(linkName()),
    /** Outgoing device (`oif`). */
    oif: z.optional(linkName()),
    /** UID range (`uidrange`), e.g. `100-200`. */
    uidrange: z.optional(text()),
    /** IP protocol (`ipproto`), e.g. `tcp`. */
    ipproto: z.optional(text()),
    /** Source port or range (`sport`), e.g. `22` or `1000-2000`. */
    sport: z.optional(text()),
    /** Destination port or range (`dport`). */
    dport: z.optional(text()),
    /** An `l3mdev` rule (the table is the VRF device's). */
    l3mdev: z.optional(z.boolean()),
    /** Who installed it (`protocol`), e.g. `boot`, `static`. */
    protocol: z.optional(text()),
    /** Table looked up (`table`), a name or number. */
    table: z.optional(text()),
    /** Action other than a lookup: `blackhole`, `unreachable`, `prohibit` or `nop`. */
    action: z.optional(text()),
    /** Priority to jump to (`goto`). */
    goto: z.optional(uint()),
    /** `suppress_prefixlength`. */
    suppressPrefixlength: z.optional(z.number().check(z.int(), z.minimum(-1))),
    /** `suppress_ifgroup`. */
    suppressIfgroup: z.optional(text()),
    /** Realm (`realms`). */
    realms: z.optional(text()),
  })
);

/** A policy routing rule, as `ip rule add` takes it (ip-rule(8)); the fields are documented on its schema. */
export type RuleSpec = Infer<typeof ruleSpecSchema>;

/** The keys of `ip -json -details rule` that {@link ruleSpecFromJson} carries into a {@link RuleSpec}. */
const KNOWN_RULE_KEYS = new Set([
  "priority",
  "not",
  "src",
  "srclen",
  "dst",
  "dstlen",
  "tos",
  "fwmark",
  "fwmask",
  "iif",
  "oif",
  "uid_start",
  "uid_end",
  "ipproto",
  "sport",
  "sport_start",
  "sport_end",
  "dport",
  "dport_start",
  "dport_end",
  "l3mdev",
  "protocol",
  "table",
  "action",
  "goto",
  "suppress_prefixlen",
  "suppress_ifgroup",
  "flow_from",
  "flow_to",
]);

/**
 * The attributes of a rule that {@link ruleSpecFromJson} would not carry,
 * so a move could not restore it exactly (e.g. `flowlabel` or `dscp` of a
 * newer iproute2).
 * @param r A rule from `ip -json -details rule show`.
 * @returns The unknown keys; `[]` when the rule can be re-created exactly.
 */
export function unknownRuleKeys(r: IpRule): string[] {
  return Object.keys(r).filter((k) => !KNOWN_RULE_KEYS.has(k));
}

/**
 * Converts `ip -json -details rule` output into a {@link RuleSpec}.
 * @param r One rule.
 * @param family 4 or 6.
 * @returns The spec.
 */
export function ruleSpecFromJson(r: IpRule, family: 4 | 6): RuleSpec {
  const spec: RuleSpec = { family, priority: r.priority };
  const prefix = (a: string | undefined, len: number | undefined) =>
    a === undefined || a === "all" ? undefined : len === undefined ? a : `${a}/${len}`;
  const range = (one: number | undefined, start: number | undefined, end: number | undefined) =>
    one !== undefined ? String(one) : start !== undefined ? `${start}-${end}` : undefined;
  if ("not" in r) spec.not = true;
  const from = prefix(r.src, r.srclen), to = prefix(r.dst, r.dstlen);
  if (from) spec.from = from;
  if (to) spec.to = to;
  if (r.tos) spec.tos = r.tos;
  if (r.fwmark) spec.fwmark = r.fwmask ? `${r.fwmark}/${r.fwmask}` : r.fwmark;
  if (r.iif) spec.iif = r.iif;
  if (r.oif) spec.oif = r.oif;
  if (r.uid_start !== undefined) spec.uidrange = `${r.uid_start}-${r.uid_end}`;
  if (r.ipproto) spec.ipproto = r.ipproto;
  const sport = range(r.sport, r.sport_start, r.sport_end), dport = range(r.dport, r.dport_start, r.dport_end);
  if (sport) spec.sport = sport;
  if (dport) spec.dport = dport;
  if ("l3mdev" in r) spec.l3mdev = true;
  if (r.protocol) spec.protocol = r.protocol;
  if (r.table && !("l3mdev" in r)) spec.table = r.table;
  if (r.action) spec.action = r.action;
  if (r.goto !== undefined) spec.goto = r.goto;
  if (r.suppress_prefixlen !== undefined) spec.suppressPrefixlength = r.suppress_prefixlen;
  if (r.suppress_ifgroup) spec.suppressIfgroup = r.suppress_ifgroup;
  // iproute2 prints a rule's realms as flow_from/flow_to (each omitted at 0); `realms` takes `[FROM/]TO`.
  if (r.flow_from !== undefined || r.flow_to !== undefined) {
    spec.realms = r.flow_from === undefined ? r.flow_to : `${r.flow_from}/${r.flow_to ?? "0"}`;
  }
  return spec;
}

/**
 * The full `ip` argv adding or deleting a rule; a deletion names every
 * selector and the action, so it removes exactly this rule.
 * @param op `add` or `del`.
 * @param r The rule.
 * @returns e.g. `["ip", "-4", "rule", "add", "priority", "100", "iif", "br0", "table", "100", "protocol", "boot"]`.
 */
export function ruleArgv(op: "add" | "del", r: RuleSpec): string[] {
  const out = ["ip", `-${r.family}`, "rule", op, "priority", String(r.priority)];
  if (r.not) out.push("not");
  if (r.from) out.push("from", r.from);
  if (r.to) out.push("to", r.to);
  if (r.tos) out.push("tos", r.tos);
  if (r.fwmark) out.push("fwmark", r.fwmark);
  if (r.iif) out.push("iif", r.iif);
  if (r.oif) out.push("oif", r.oif);
  if (r.uidrange) out.push("uidrange", r.uidrange);
  if (r.ipproto) out.push("ipproto", r.ipproto);
  if (r.sport) out.push("sport", r.sport);
  if (r.dport) out.push("dport", r.dport);
  if (r.l3mdev) out.push("l3mdev");
  if (r.protocol) out.push("protocol", r.protocol);
  if (r.table) out.push("table", r.table);
  if (r.action) out.push(r.action);
  if (r.goto !== undefined) out.push("goto", String(r.goto));
  if (r.suppressPrefixlength !== undefined) out.push("suppress_prefixlength", String(r.suppressPrefixlength));
  if (r.suppressIfgroup) out.push("suppress_ifgroup", r.suppressIfgroup);
  if (r.realms) out.push("realms", r.realms);
  return out;
}

/**
 * Whether an `ip -json` rule is the rule a spec names (every field equal).
 * @param r A rule from `ip -json -details rule show`.
 * @param s The spec.
 * @returns `true` on a match.
 */
export function ruleMatches(r: IpRule, s: RuleSpec): boolean {
  const a = ruleSpecFromJson(r, s.family);
  const keys = new Set([...Object.keys(a), ...Object.keys(s)]);
  return [...keys].every((k) => (a as Record<string, unknown>)[k] === (s as Record<string, unknown>)[k]);
}

/**
 * The same rule with its `iif`/`oif` renamed, for a link renamed behind
 * nsrecipe's back (see `StepKind.renamed`).
 * @param r The rule.
 * @param rename Maps a link name to its current one.
 * @returns A copy.
 */
export function renamedRule(r: RuleSpec, rename: (dev: string) => string): RuleSpec {
  return { ...r, ...(r.iif ? { iif: rename(r.iif) } : {}), ...(r.oif ? { oif: rename(r.oif) } : {}) };
}

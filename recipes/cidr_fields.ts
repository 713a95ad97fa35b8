/**
 * Zod fields for CIDR options (`--address`, `--subnet`, …) shared by recipes:
 * each is read strictly by `recipes/subnet.ts` (ip-bigint) and reports its
 * message as the field's issue, so a bad value is a usage error naming the
 * option, found when the options are parsed: before anything looks at the
 * host. Apart from `fields.ts` so that a recipe without addresses loads no
 * subnet code.
 *
 * @module
 */
import type { core } from "zod/mini";
import { z } from "../src/zod.ts";
import { quote } from "../src/quote.ts";
import { issueText } from "./fields.ts";
import { parseCidr } from "./subnet.ts";

/** What a CIDR option holds, for its example: an address with its prefix, or a subnet. */
export type CidrKind = "address" | "subnet";

const CIDR_EXAMPLES: Record<CidrKind, Record<4 | 6, string>> = {
  address: { 4: "198.51.100.50/24", 6: "2001:db8:1::50/64" },
  subnet: { 4: "10.200.0.0/24", 6: "2001:db8:5::/64" },
};

/**
 * The check of a CIDR option (`--address`, `--subnet`, …), as a zod
 * `superRefine` callback: read strictly (`parseCidr`: no leading zeros, a
 * prefix length in range) and, when `family` is given, of that family only.
 * What it may be on this host (in the LAN's prefix, free, …) is the
 * planner's to judge.
 * @param option The option, for the message (e.g. `--address`).
 * @param kind Whether it names an address with its prefix or a subnet (for the example shown).
 * @param family 4 or 6 when only one family is accepted.
 * @returns The callback; it adds a `custom` issue such as
 *   "--address '198.51.100.300/24' is not a CIDR like 198.51.100.50/24 (an address with its prefix length)".
 */
export function cidrCheck(option: string, kind: CidrKind, family?: 4 | 6) {
  return (v: string | undefined, ctx: core.$RefinementCtx<string | undefined>): void => {
    if (v === undefined) return;
    const example = family ? CIDR_EXAMPLES[kind][family] : `${CIDR_EXAMPLES[kind][4]} or ${CIDR_EXAMPLES[kind][6]}`;
    try {
      const cidr = parseCidr(v, option);
      if (family && cidr.subnet.family !== family) {
        ctx.addIssue({
          code: "custom",
          message: `${option} ${quote(v)} is not IPv${family}: it takes one like ${example}`,
        });
      }
    } catch (e) {
      const message = (e as Error).message.includes("leading zero")
        ? issueText(e)
        : `${option} ${quote(v)} is not a CIDR like ${example}${
          kind === "address" ? " (an address with its prefix length)" : ""
        }`;
      ctx.addIssue({ code: "custom", message });
    }
  };
}

/**
 * An optional CIDR option, checked by {@link cidrCheck}.
 * @param option The option, for the message (e.g. `--subnet`).
 * @param description Its help text.
 * @param kind Address or subnet.
 * @param family 4 or 6 when only one family is accepted.
 * @returns A zod schema: `string | undefined`.
 */
export function cidrField(option: string, description: string, kind: CidrKind, family?: 4 | 6) {
  return z.optional(z.string()).check(
    z.describe(description),
    z.meta({ placeholder: "cidr" }),
    z.superRefine(
      cidrCheck(option, kind, family),
    ),
  );
}

/**
 * Zod fields shared by recipes for names and addresses that reach iproute2:
 * each runs its check (the allow-list of `src/names.ts`, the strict CIDR
 * reading of `recipes/subnet.ts`) and reports its message as the field's
 * issue, so a bad value is a usage error naming the option, found when the
 * options are parsed: before anything looks at the host.
 *
 * @module
 */
import type { RefinementCtx } from "zod";
import { z } from "../src/zod.ts";
import { NsrecipeError } from "../src/errors.ts";
import { checkLinkName } from "../src/names.ts";
import { quote } from "../src/quote.ts";
import { parseCidr } from "./subnet.ts";

/**
 * An optional link name option (`--bridge`, `--veth`, `--uplink`).
 * @param option The option, for the message (e.g. `--veth`).
 * @param description Its help text.
 * @returns A zod schema: `string | undefined`, checked by `checkLinkName`.
 */
export function linkNameField(option: string, description: string) {
  return z.string().optional().describe(description).meta({ placeholder: "dev" }).superRefine((v, ctx) => {
    if (v === undefined) return;
    try {
      checkLinkName(v, option);
    } catch (e) {
      ctx.addIssue({ code: "custom", message: issueText(e) });
    }
  });
}

/**
 * The text of a zod issue for a failed name check: the check's message and,
 * for an nsrecipe error, its hint (what is accepted), which a zod issue has
 * no other place for.
 * @param e What the check threw.
 * @returns e.g. `The namespace name 'a b' given to --name is not allowed. Use letters, …`.
 */
export function issueText(e: unknown): string {
  if (e instanceof NsrecipeError && e.hint) return `${e.message}. ${e.hint}`;
  return (e as Error).message;
}

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
  return (v: string | undefined, ctx: RefinementCtx): void => {
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
  return z.string().optional().describe(description).meta({ placeholder: "cidr" }).superRefine(
    cidrCheck(option, kind, family),
  );
}

/**
 * An optional MTU option (`--mtu`): a whole number of bytes from 68 (the
 * least an IPv4 link takes, RFC 791) to 65535, written in decimal digits on
 * the command line (`Number()` would also take `0x5dc` or `1e3`; a fraction is reported as not whole), or a number
 * in a `-f` file. A value out of range is reported against these bounds,
 * never against JavaScript's largest safe integer.
 * @param description Its help text.
 * @returns A zod schema: `number | undefined`.
 */
export function mtuField(description: string) {
  return z.preprocess(
    (v) => typeof v === "string" && /^[0-9]+(\.[0-9]+)?$/.test(v) ? Number(v) : v,
    z.number().min(68).max(65535).multipleOf(1),
  ).optional().describe(description).meta({ placeholder: "bytes" });
}

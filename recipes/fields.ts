/**
 * Zod fields shared by recipes for names that reach iproute2: each runs the
 * allow-list check of `src/names.ts` and reports its message as the field's
 * issue, so a bad value is a usage error naming the option.
 *
 * @module
 */
import { z } from "zod";
import { NsrecipeError } from "../src/errors.ts";
import { checkLinkName } from "../src/names.ts";

/**
 * An optional link name option (`--bridge`, `--veth`, `--uplink`).
 * @param option The option, for the message (e.g. `--veth`).
 * @param description Its help text.
 * @returns A zod schema: `string | undefined`, checked by `checkLinkName`.
 */
export function linkNameField(option: string, description: string) {
  return z.string().optional().describe(description).superRefine((v, ctx) => {
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

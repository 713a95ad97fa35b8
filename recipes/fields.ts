/**
 * Zod fields shared by recipes for names that reach iproute2: each runs the
 * allow-list check of `src/names.ts` and reports its message as the field's
 * issue, so a bad value is a usage error naming the option.
 *
 * @module
 */
import { z } from "zod";
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
      ctx.addIssue({ code: "custom", message: (e as Error).message });
    }
  });
}

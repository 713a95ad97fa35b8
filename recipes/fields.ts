/**
 * Zod fields shared by recipes for names and sizes that reach iproute2: each
 * runs its check (the allow-list of `src/names.ts`) and reports its message
 * as the field's issue, so a bad value is a usage error naming the option,
 * found when the options are parsed: before anything looks at the host. The
 * CIDR fields are in `cidr_fields.ts` (they load the subnet code and
 * ip-bigint, which `netns` and `pid-only` do not need).
 *
 * @module
 */
import { z } from "../src/zod.ts";
import { NsrecipeError } from "../src/errors.ts";
import { checkLinkName } from "../src/names.ts";

/**
 * An optional link name option (`--bridge`, `--veth`, `--uplink`).
 * @param option The option, for the message (e.g. `--veth`).
 * @param description Its help text.
 * @returns A zod schema: `string | undefined`, checked by `checkLinkName`.
 */
export function linkNameField(option: string, description: string) {
  return z.optional(z.string()).check(
    z.describe(description),
    z.meta({ placeholder: "dev" }),
    z.superRefine((v, ctx) => {
      if (v === undefined) return;
      try {
        checkLinkName(v, option);
      } catch (e) {
        ctx.addIssue({ code: "custom", message: issueText(e) });
      }
    }),
  );
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
  return z.optional(z.pipe(
    z.transform((v) => typeof v === "string" && /^[0-9]+(\.[0-9]+)?$/.test(v) ? Number(v) : v),
    z.number().check(z.minimum(68), z.maximum(65535), z.multipleOf(1)),
  )).check(z.describe(description), z.meta({ placeholder: "bytes" }));
}

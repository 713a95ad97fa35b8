/**
 * The part of zod's `z` (`zod/mini`) that `vendor/zod_mini.js` keeps: every
 * function and value nsrecipe's code calls as `z.NAME` (through
 * `src/zod.ts`, and the step kinds through `src/zod_deferred.ts`), and the
 * few more its tests build schemas with (`catch`, `nullable`). The bundle's
 * `z` holds exactly these, each the package's own (the same code, not a
 * copy: esbuild leaves out only what none of them reaches), and `locales`
 * with English alone (`src/zod.ts` sets it).
 *
 * Why not the whole `z`: the namespace reaches every locale (64), the JSON
 * Schema export and zod's code generator: the whole namespace bundles to
 * 705 KB, this part to 90 KB, and Deno compiles and runs all of it at each start
 * that loads zod: 10–11 ms of a process's CPU for the whole namespace,
 * about 2 for this part (hyperfine, 30 runs each, against a hello-world).
 *
 * Adding a use of another `z.NAME`: add the name here and run
 * `deno task vendor-zod`; `tests/unit/vendor_zod_test.ts` fails until the
 * bundle has it (the type-check cannot tell: the types are the whole
 * package's).
 *
 * @module
 */

/** The names `vendor/zod_mini.js`'s `z` exports besides `locales`, sorted. */
export const ZOD_API: readonly string[] = [
  "_default",
  "array",
  "boolean",
  "catch",
  "config",
  "describe",
  "discriminatedUnion",
  "enum",
  "globalRegistry",
  "int",
  "literal",
  "looseObject",
  "maxLength",
  "maximum",
  "meta",
  "minLength",
  "minimum",
  "multipleOf",
  "nullable",
  "number",
  "object",
  "optional",
  "pipe",
  "record",
  "regex",
  "string",
  "superRefine",
  "transform",
  "union",
  "unknown",
];

/** The one locale the bundle keeps (`z.locales.en`): the language of every issue nsrecipe words. */
export const ZOD_LOCALE = "en";

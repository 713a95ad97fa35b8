/**
 * zod as nsrecipe uses it: every module that builds a schema imports `z`
 * from here (the step kinds from `zod_deferred.ts`, which this module hands
 * it to), so that zod is configured once, before any schema parses.
 *
 * `jitless`: zod compiles a parser for each object schema with `new Function`
 * the first time it parses with it (zod's `jitless` option, "disable
 * eval-based optimisations"). That pays off over many parses in one long-lived
 * process; nsrecipe is a fresh process per command that parses a journal's
 * records and a recipe's options once each, and compiling costs it more than
 * it saves (about a third of the CPU time of checking a journal of 100
 * records). The result of every parse is the same either way.
 *
 * `zod/mini`: the same schemas and checks as zod's classic API (both are
 * built on `zod/v4/core`, which parses and words every issue), written as
 * functions (`z.optional(s)`, `s.check(z.maxLength(15))`) instead of methods
 * that classic zod sets up on every schema it makes. A fresh process pays for
 * that setup on each schema it builds and on each first parse: measured,
 * building and using the journal's record schemas costs about half the CPU
 * with mini (checking a `run netns` journal: 8.5 -> 4.4 ms). Mini leaves the
 * messages' language unset, so English (`locales.en`, the locale classic zod
 * sets) is set here: every issue reads as with classic zod.
 *
 * The code is npm's `zod/mini` at the version `deno.json` pins, bundled into
 * one module (`vendor/zod_mini.js`, `deno task vendor-zod`), with the npm
 * package's types: Deno loads one module in less than half the CPU time of
 * the package's hundred (see `vendor/build_zod_mini.ts`).
 *
 * @module
 */
// @ts-types="zod/mini"
import { z as zod } from "../vendor/zod_mini.js";
import { provideZod } from "./zod_deferred.ts";

zod.config({ ...zod.locales.en(), jitless: true });
provideZod(zod);

/** zod's `z` (`zod/mini`), configured as above. */
export const z: typeof zod = zod;

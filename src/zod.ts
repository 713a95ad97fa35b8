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
 * @module
 */
import { z as zod } from "zod";
import { provideZod } from "./zod_deferred.ts";

zod.config({ jitless: true });
provideZod(zod);

/** zod's `z`, configured as above. */
export const z: typeof zod = zod;

/**
 * nsrecipe: set up Linux namespaces by named recipes, journaled and reversible.
 * Entry point: builds the command line, runs it, exits with its code.
 *
 * @module
 */
import { main } from "./src/cli/mod.ts";

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}

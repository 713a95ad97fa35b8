/**
 * The floor under nsrecipe's startup, for the bench (`bench/main.ts`): a Deno
 * program that loads only the libraries a command cannot run without, and
 * does nothing else. node:util parses an ordinary command line of `run`,
 * `undo` and `status` (its `parseArgs`, on nsrecipe's fast path:
 * `src/cli/fast_parse.ts`; commander, which boots Deno's Node compatibility
 * layer, is loaded only for help, completions, the manual page and errors);
 * `run` also needs `ip-bigint` to compute addresses in a subnet. Journal,
 * steps, recipes and output are left out: the figure is a lower bound for
 * what any command of this stack costs before its first `ip` process, not an
 * estimate of one.
 *
 * Usage: `deno run -q --config deno.json bench/floor.ts run|undo|status`.
 *
 * @module
 */
import { parseArgs } from "node:util";

parseArgs({ args: Deno.args, allowPositionals: true });
if (Deno.args[0] === "run") await import("ip-bigint");

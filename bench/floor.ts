/**
 * The floor under nsrecipe's startup, for the bench (`bench/main.ts`): a Deno
 * program that loads only the libraries a command cannot run without, and
 * does nothing else. `commander` parses every command line (issue 4 chose it;
 * its `node:fs` and `node:child_process` imports boot Deno's Node
 * compatibility layer, the largest part of its cost); `run` also needs
 * `ipaddr.js` to compute addresses in a subnet. Journal, steps, recipes and
 * output are left out: the figure is a lower bound for what any command of
 * this stack costs before its first `ip` process, not an estimate of one.
 *
 * Usage: `deno run -q --config deno.json bench/floor.ts run|undo|status`.
 *
 * @module
 */
import "commander";

if (Deno.args[0] === "run") await import("ipaddr.js");

/**
 * Names of the hidden subcommands nsrecipe starts itself with, and its
 * version: constants with no dependency, so the command line can register
 * them without loading the code behind them.
 *
 * @module
 */
import config from "../../deno.json" with { type: "json" };

/** nsrecipe's version: `version` in deno.json. */
export const VERSION: string = config.version;

/** The hidden subcommand the confirm-or-revert watchdog runs as (see `watchdog.ts`). */
export const WATCHDOG_COMMAND = "__watchdog";

/** The hidden subcommand that rehearses inside the lab (see `rehearse.ts`). */
export const REHEARSE_INNER_COMMAND = "__rehearse";

/**
 * Re-exports the one time format of messages (`src/clock.ts`) for the CLI.
 *
 * @module
 */
export { clockTime, localDateTime, momentOf, zoneName } from "../clock.ts";

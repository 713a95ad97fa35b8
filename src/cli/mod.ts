/**
 * The command line.
 * @module
 */
export { main } from "./entry.ts";
export { VERSION } from "./hidden.ts";

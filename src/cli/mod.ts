/**
 * The command line.
 * @module
 */
export { main, VERSION } from "./program.ts";

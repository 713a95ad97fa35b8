/**
 * Process spawning: the single seam between nsrecipe and the programs it runs.
 * @module
 */
export * from "./runner.ts";
export * from "./hints.ts";
export * from "./terminal.ts";
export * from "./turns.ts";

/**
 * The vocabulary of reversible steps: data types, specs and behaviours.
 * @module
 */
export * from "./types.ts";
export * from "./specs.ts";
export * from "./registry.ts";

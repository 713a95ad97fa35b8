/**
 * The lab: a throwaway simulated host.
 * @module
 */
export * from "./spec.ts";
export * from "./lab.ts";
export * from "./self.ts";

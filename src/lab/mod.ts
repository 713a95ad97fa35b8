/**
 * The lab: a throwaway simulated host.
 * @module
 */
export * from "./defaults.ts";
export * from "./spec.ts";
export * from "./lab.ts";
export * from "./self.ts";
export * from "./state_dir.ts";

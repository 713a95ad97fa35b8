/**
 * Reading the host: `ip -json` state, sysfs facts and snapshots.
 * @module
 */
export * from "./ip_json.ts";
export * from "./sysfs.ts";
export * from "./snapshot.ts";
export * from "./facts.ts";

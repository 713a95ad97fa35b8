/**
 * `nsrecipe doctor`: read-only checks of the host (privileges, tools, kernel
 * support, the uplink, network managers, netfilter, names), each a pure
 * function of facts gathered once, plus the checks a recipe needs, which
 * `run` calls before planning.
 * @module
 */
export * from "./types.ts";
export * from "./gather.ts";
export * from "./checks.ts";
export * from "./privileges.ts";
export * from "./tools.ts";
export * from "./kernel.ts";
export * from "./uplink.ts";
export * from "./wireless.ts";
export * from "./dhcp.ts";
export * from "./managers.ts";
export * from "./forward.ts";
export * from "./names.ts";

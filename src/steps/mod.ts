/**
 * The vocabulary of reversible steps: each kind's schema, data type and
 * behaviour (one file per kind), the specs of addresses and routes, and the
 * registry that looks a behaviour up by `kind`.
 * @module
 */
export * from "./types.ts";
export * from "./objects.ts";
export * from "./specs.ts";
export * from "./registry.ts";
export * from "./netns_add.ts";
export * from "./link_set_up.ts";
export * from "./veth_add.ts";
export * from "./link_set_netns.ts";
export * from "./bridge_add.ts";
export * from "./link_set_master.ts";
export * from "./addr_add.ts";
export * from "./addr_del.ts";
export * from "./route_add.ts";
export * from "./route_del.ts";
export * from "./sysctl_set.ts";
export * from "./nat_add.ts";
export * from "./neigh.ts";
export * from "./rule_spec.ts";
export * from "./rule.ts";
export * from "./link_sysctl_set.ts";

/**
 * Reading the host: `ip -json` state, sysfs facts and snapshots.
 * @module
 */
export * from "./ip_json.ts";
export * from "./memo.ts";
export * from "./sysfs.ts";
export * from "./snapshot.ts";
export * from "./facts.ts";
export * from "./netns_taken.ts";
export * from "./link_sysctl.ts";
export * from "./nft.ts";
export * from "./default_route.ts";
export * from "./bridge_port.ts";
export * from "./arp_probe.ts";
export * from "./identity.ts";
export * from "./settle.ts";
export * from "./nft_link_refs.ts";
export * from "./nft_bridge_drops.ts";
export * from "./bound_sockets.ts";
export * from "./multicast.ts";
export * from "./policy_rule_refs.ts";
export * from "./iptables_link_refs.ts";
export * from "./netns_processes.ts";
export * from "./forward_sysctls.ts";
export * from "./named_links.ts";

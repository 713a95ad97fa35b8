/**
 * `rehearse`: replay a recipe on a lab copy of this host's uplink first.
 * @module
 */
export * from "./outage.ts";
export * from "./spec_from_host.ts";
export * from "./rehearse.ts";

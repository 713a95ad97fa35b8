/**
 * The write-ahead journal: records, reader, run views and the locked store.
 * @module
 */
export * from "./records.ts";
export * from "./reader.ts";
export * from "./runs.ts";
export * from "./paths.ts";
export * from "./store.ts";
export * from "./known_netns.ts";
export * from "./confirm_intents.ts";
export * from "./compaction.ts";

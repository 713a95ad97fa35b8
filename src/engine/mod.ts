/**
 * The engine: apply plans through the journal, roll back, undo.
 * @module
 */
export * from "./deps.ts";
export * from "./apply.ts";
export * from "./revert.ts";
export * from "./undo.ts";
export * from "./elsewhere.ts";
export * from "./faults.ts";
export * from "./confirm.ts";
export * from "./confirmation.ts";
export * from "./run_ended.ts";
export * from "./deferring_journal.ts";
export * from "./drift.ts";
export * from "./undo_progress.ts";
export * from "./undo_preview.ts";

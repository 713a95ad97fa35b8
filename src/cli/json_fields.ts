/**
 * The pieces `--json` documents share, built in one place so that every
 * command names one fact the same way (README, "Telling nsrecipe's exit code
 * from the command's"): a run is `run` (its id) and `label`; a step of a plan
 * is `{ index, step, summary }`. The confirmation window is built by
 * `confirmationOf` (status.ts) for `run`, `status` and `confirm` alike.
 *
 * @module
 */

import { kindOf, type Step } from "../steps/mod.ts";

/** A step of a run's plan as every `--json` document names it. */
export interface StepEntry {
  /** Its place in the plan, 0-based (the journal's `index`). */
  index: number;
  /** Its place in the plan, 1-based: the number the text views print (`1. …`, `[1/9] …`). */
  step: number;
  /** What it does, e.g. `create bridge 'br0' (STP off)`. */
  summary: string;
}

/**
 * The entry of one step of a plan (pure).
 * @param index Its place in the plan, 0-based.
 * @param step The step (its kind gives the summary).
 * @returns `{ index, step, summary }`.
 */
export function stepEntry(index: number, step: Step): StepEntry {
  return { index, step: index + 1, summary: kindOf(step).summary(step) };
}

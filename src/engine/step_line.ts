/**
 * The console's line for a step of `run`: what an admin reads, and keeps in
 * the scrollback after a lost session.
 * @module
 */
import { kindOf, type Step } from "../steps/mod.ts";

/**
 * A step's progress line, `[n/N] summary` (n counted from 1, as every text
 * view counts), printed once the step's outcome is known: when it is done
 * (its `step-done` record written), or just before the line saying it
 * failed. Never before it runs: a batch of steps runs as one `ip -batch`,
 * and an nsrecipe killed meanwhile must not leave lines on the screen for
 * steps that never happened (the journal, `status` and `undo` know which did).
 * @param index The step's index in the plan, from 0.
 * @param total How many steps the plan has.
 * @param step The step.
 * @returns e.g. `[1/9] create network namespace 'web'`.
 */
export function stepLine(index: number, total: number, step: Step): string {
  return `[${index + 1}/${total}] ${kindOf(step).summary(step)}`;
}

/**
 * Which confirmation windows expired with nobody to act on them, read-only
 * (what `status` reports): the read half of `expired.ts`, whose acting half
 * (`actOnExpiredWindows`: the revert under the lock) `status` does not load.
 *
 * @module
 */
import { CONFIRM_STARTUP_GRACE_MS } from "../engine/confirmation.ts";
import type { Runner } from "../exec/mod.ts";
import { isOpen, type RunView } from "../journal/mod.ts";
import { processState } from "./process_stat.ts";

/**
 * Runs whose window expired unconfirmed and whose revert nobody has finished
 * (pure): open, a deadline more than `graceMs` before `now` (by default
 * {@link CONFIRM_STARTUP_GRACE_MS}: a confirm started by the deadline may
 * still be coming up, and the revert waits for it) or a revert begun, not
 * confirmed, and not left `incomplete` by an undo that failed (that one waits
 * for `nsrecipe undo` after a fix, not for a retry on every command).
 * @param runs Every run, from the journal.
 * @param now The current time, ms since the epoch.
 * @param graceMs How long past its deadline a window is not counted yet, in ms: `status`, which only reports, gives
 *   0 (it says whether a watchdog is alive to revert the run during that hold too).
 * @returns The runs, oldest first.
 */
export function expiredWindows(
  runs: readonly RunView[],
  now: number,
  graceMs: number = CONFIRM_STARTUP_GRACE_MS,
): RunView[] {
  return runs.filter((r) =>
    isOpen(r) && r.state !== "incomplete" && r.confirm !== undefined && r.confirm.state !== "confirmed" &&
    (r.confirm.state === "expired" || r.confirm.deadline + graceMs < now)
  );
}

/**
 * Whether someone is at work on each expired window (read-only): its
 * watchdog is `gone` (its PID has exited, or names another process since),
 * `stopped` more than {@link STOPPED_GRACE_MS} past the deadline, or else
 * `at work` (alive: holding the revert back for a confirm, waiting for the
 * lock, reverting; or stopped for less than that grace).
 * @param run The process seam (`cat /proc/PID/stat`).
 * @param expired Runs of {@link expiredWindows}.
 * @param now The current time, ms since the epoch.
 * @returns Run id → its watchdog's state, for those runs only.
 */
export async function watchdogStates(
  run: Runner,
  expired: readonly RunView[],
  now: number,
): Promise<Map<string, WatchdogState>> {
  const found = new Map<string, WatchdogState>();
  for (const r of expired) {
    const dog = await processState(run, r.confirm!.watchdogPid, r.confirm!.watchdogStart);
    found.set(
      r.id,
      dog === "gone"
        ? "gone"
        : dog === "stopped" && now - r.confirm!.deadline > STOPPED_GRACE_MS
        ? "stopped"
        : "at work",
    );
  }
  return found;
}

/**
 * Which of the expired windows nobody is at work on (read-only): those of
 * {@link watchdogStates} whose watchdog is `gone` or `stopped`.
 * @param run The process seam (`cat /proc/PID/stat`).
 * @param expired Runs of {@link expiredWindows}.
 * @param now The current time, ms since the epoch.
 * @returns Run id → `gone` or `stopped`, for those runs only.
 */
export async function unattendedWindows(
  run: Runner,
  expired: readonly RunView[],
  now: number,
): Promise<Map<string, Unattended>> {
  const found = new Map<string, Unattended>();
  for (const [id, state] of await watchdogStates(run, expired, now)) if (state !== "at work") found.set(id, state);
  return found;
}

/** Why nobody acts on an expired window: its watchdog is `gone`, or `stopped` past the grace period. */
export type Unattended = "gone" | "stopped";

/** An expired window's watchdog: {@link Unattended}, or `at work` on it. */
export type WatchdogState = Unattended | "at work";

/**
 * How long past its deadline a stopped watchdog (state `T`/`t`) still counts
 * as at work, in ms: one stopped for a moment (a debugger's attach, a
 * checkpoint) is let be; after this the next command ends it and acts.
 */
export const STOPPED_GRACE_MS = 10_000;

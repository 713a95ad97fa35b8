/**
 * The command-line side of confirm intents (src/journal/confirm_intents.ts):
 * when this process was started (the moment the admin ran `nsrecipe
 * confirm`), recording that intent before waiting for the lock, and finding
 * which recorded intents belong to processes still alive.
 *
 * @module
 */
import type { Runner } from "../exec/mod.ts";
import { type ConfirmIntent, forgetConfirmIntent, readConfirmIntents, recordConfirmIntent } from "../journal/mod.ts";
import { processStartedAt, processState } from "./process_stat.ts";

/**
 * When this nsrecipe process was started, in ms since the epoch: the
 * earlier of the kernel's start time (`processStartedAt`) and the runtime's
 * own origin (`performance.timeOrigin`, set as Deno starts, before
 * nsrecipe's modules load); both are at or after the moment the command was
 * run, so neither lets a command run after a deadline pass as one run before.
 * @param run The process seam.
 * @returns The time, and the start time in clock ticks when read.
 */
export async function startedAt(run: Runner): Promise<{ at: number; startTime?: number }> {
  const origin = Math.ceil(performance.timeOrigin);
  const kernel = await processStartedAt(run, Deno.pid).catch(() => undefined);
  return kernel ? { at: Math.min(origin, kernel.at), startTime: kernel.startTime } : { at: origin };
}

/**
 * Records that this process is on its way to confirm, asked at `invokedAt`.
 * A state directory that cannot take it (missing rights, full) is no reason
 * not to try to confirm: the intent is then only not announced.
 * @param stateDir The state directory.
 * @param invokedAt When the admin asked, ms since the epoch.
 * @param startTime This process's start time (clock ticks after boot), when known.
 * @returns A function that removes the record (never throws).
 */
export async function announceConfirmIntent(
  stateDir: string,
  invokedAt: number,
  startTime: number | undefined,
): Promise<() => Promise<void>> {
  const intent: ConfirmIntent = { pid: Deno.pid, invokedAt, ...(startTime === undefined ? {} : { startTime }) };
  try {
    return await recordConfirmIntent(stateDir, intent);
  } catch {
    return async () => {};
  }
}

/**
 * The confirm intents of processes still alive (running, or stopped); the
 * files of those gone (by PID and start time, see `processState`) are removed.
 * @param stateDir The state directory.
 * @param run The process seam.
 * @returns The live intents.
 * @throws {CommandError} When cat cannot be started.
 */
export async function liveConfirmIntents(stateDir: string, run: Runner): Promise<ConfirmIntent[]> {
  const all = await readConfirmIntents(stateDir);
  const live: ConfirmIntent[] = [];
  for (const i of all) {
    if (i.pid === Deno.pid || await processState(run, i.pid, i.startTime) !== "gone") live.push(i);
    else await forgetConfirmIntent(stateDir, i.pid);
  }
  return live;
}

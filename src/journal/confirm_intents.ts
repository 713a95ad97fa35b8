/**
 * Confirm intents: the mark a `nsrecipe confirm` (or the `yes` typed at
 * `run`'s prompt) leaves in the state directory as soon as it can, before
 * it waits for the lock, saying when the admin asked to keep the change. The
 * admin's intent counts from that moment (`invokedAt`), not from when the
 * process got the lock: whoever reverts an expired window (the watchdog, the
 * next command, the prompt at its deadline) holds the revert back while a
 * confirm started by the deadline is on its way (`revertHeldUntil` in
 * src/engine/confirmation.ts). One file per process,
 * `confirm-intent-PID.json`, written whole (a temporary file renamed over
 * it, rename(2) being atomic) with mode 0600 in the checked state directory,
 * and removed when the process is done; a file left by a killed process is
 * recognised by the PID and start time it names and ignored.
 *
 * @module
 */
import { ensureStateDir } from "./store.ts";

/** The file name's prefix; the file is `confirm-intent-PID.json`. */
export const CONFIRM_INTENT_PREFIX = "confirm-intent-";

/** One confirm on its way, as its file states it. */
export interface ConfirmIntent {
  /** PID of the confirming process (nsrecipe confirm, or run at its prompt). */
  pid: number;
  /** Its start time, `/proc/PID/stat` field 22 (clock ticks after boot, proc(5)); absent when it could not be read. */
  startTime?: number;
  /** When the admin asked: the process's start (`nsrecipe confirm`) or the answer's (`yes`), ms since the epoch. */
  invokedAt: number;
}

/**
 * Records a confirm intent in state directory `dir`.
 * @param dir The state directory (checked, and created when missing, as for a journal writer).
 * @param intent The intent.
 * @returns A function that removes it (never throws).
 * @throws {UsageError} | {PreconditionError} As `ensureStateDir`; a `Deno.errors` error when the file cannot be written.
 */
export async function recordConfirmIntent(dir: string, intent: ConfirmIntent): Promise<() => Promise<void>> {
  ensureStateDir(dir);
  const path = `${dir}/${CONFIRM_INTENT_PREFIX}${intent.pid}.json`;
  const tmp = `${path}.tmp`;
  await Deno.writeTextFile(tmp, JSON.stringify(intent) + "\n", { mode: 0o600 });
  await Deno.rename(tmp, path);
  return async () => {
    await Deno.remove(path).catch(() => {});
  };
}

/**
 * The confirm intents recorded in state directory `dir`, live or left by a
 * killed process (the caller tells them apart by PID and start time).
 * @param dir The state directory.
 * @returns The intents; `[]` when the directory is missing or unreadable; unreadable files are skipped.
 */
export async function readConfirmIntents(dir: string): Promise<ConfirmIntent[]> {
  const found: ConfirmIntent[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (!e.isFile || !e.name.startsWith(CONFIRM_INTENT_PREFIX) || !e.name.endsWith(".json")) continue;
      const intent = parseIntent(await Deno.readTextFile(`${dir}/${e.name}`).catch(() => ""));
      if (intent) found.push(intent);
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.PermissionDenied) return found;
    throw e;
  }
  return found;
}

/**
 * Removes the intent file of a process that is gone.
 * @param dir The state directory.
 * @param pid Its PID.
 */
export async function forgetConfirmIntent(dir: string, pid: number): Promise<void> {
  await Deno.remove(`${dir}/${CONFIRM_INTENT_PREFIX}${pid}.json`).catch(() => {});
}

/** One file's intent, or `undefined` when it is not one. */
function parseIntent(text: string): ConfirmIntent | undefined {
  try {
    const v = JSON.parse(text);
    const ok = (n: unknown) => Number.isSafeInteger(n) && (n as number) > 0;
    if (!ok(v?.pid) || !ok(v?.invokedAt) || (v.startTime !== undefined && !ok(v.startTime))) return undefined;
    return { pid: v.pid, invokedAt: v.invokedAt, ...(v.startTime === undefined ? {} : { startTime: v.startTime }) };
  } catch {
    return undefined;
  }
}

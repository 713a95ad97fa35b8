/**
 * The loud trace nsrecipe leaves when its safety net could not do its job
 * (a confirmation window expired and the change could NOT be reverted, or
 * the revert could not be recorded): a line in the system log and on the
 * terminals of logged-in root sessions, as netplan and Junos admins expect.
 *
 * @module
 */
import type { Runner } from "../exec/mod.ts";

/** How long each of logger(1) and wall(1) may take, in ms. */
const ALARM_TIMEOUT_MS = 5000;

/** Exit codes that all count as "it ran" (a failure is reported, never thrown). */
const ANY_CODE = Array.from({ length: 256 }, (_, i) => i);

/**
 * The argv of the two alarm commands (pure).
 * @param message One line, e.g. `nsrecipe: run … was NOT reverted: …`.
 * @returns logger(1) to the system log at priority `user.crit` tagged `nsrecipe`, and wall(1) to the members
 *   of group root.
 */
export function alarmArgv(message: string): string[][] {
  return [
    ["logger", "-t", "nsrecipe", "-p", "user.crit", "--", message],
    ["wall", "-g", "root", message],
  ];
}

/**
 * Raises the alarm: {@link alarmArgv}'s commands, each under a timeout. A
 * command that fails (no syslog socket, no terminal) is said through `log`
 * and does not stop the caller.
 * @param run The process seam.
 * @param message One line.
 * @param log Where to say what could not be sent.
 */
export async function raiseAlarm(run: Runner, message: string, log: (line: string) => void): Promise<void> {
  log(message);
  for (const argv of alarmArgv(message)) {
    try {
      const r = await run(argv, { okCodes: ANY_CODE, timeoutMs: ALARM_TIMEOUT_MS });
      if (r.code !== 0) log(`  (${argv[0]} exited ${r.code}${r.stderr ? `: ${r.stderr}` : ""})`);
    } catch (e) {
      log(`  (${argv[0]} could not be started: ${(e as Error).message})`);
    }
  }
}

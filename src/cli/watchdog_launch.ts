/**
 * How `run` starts the confirm-or-revert watchdog so that it outlives the
 * login session: where systemd is PID 1, in a transient scope unit of the
 * system manager (`systemd-run --scope`), outside the session's cgroup, which
 * logind empties at logout when `KillUserProcesses=yes` (logind.conf(5)),
 * `setsid` or not; elsewhere in a session of its own (setsid(1)), out of
 * reach of the terminal's hang-up. Both keep the watchdog's PID (systemd-run
 * `--scope` and setsid(1) exec the command in place), so the PID in the
 * journal is the watchdog's on either path.
 *
 * @module
 */

/** The facts the choice depends on. */
export interface LaunchFacts {
  /** Whether systemd is PID 1: `/run/systemd/system` exists (sd_booted(3)). */
  systemdPid1: boolean;
}

/**
 * Reads the facts {@link watchdogLaunchArgv} depends on.
 * @returns The facts.
 */
export function launchFacts(): LaunchFacts {
  try {
    return { systemdPid1: Deno.statSync("/run/systemd/system").isDirectory };
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return { systemdPid1: false };
    throw e;
  }
}

/**
 * The argv that starts the watchdog (pure).
 * @param facts See {@link LaunchFacts}.
 * @param runId The run it guards (names the transient unit, `nsrecipe-watchdog-RUNID.scope`).
 * @param watchdog The watchdog's own argv (nsrecipe … `__watchdog RUN DEADLINE`).
 * @returns e.g. `["systemd-run", "--scope", …, "--", "setsid", …watchdog]` or `["setsid", …watchdog]`.
 */
export function watchdogLaunchArgv(facts: LaunchFacts, runId: string, watchdog: readonly string[]): string[] {
  if (!facts.systemdPid1) return ["setsid", ...watchdog];
  return [
    "systemd-run",
    "--scope",
    "--quiet",
    "--collect",
    `--unit=nsrecipe-watchdog-${runId}`,
    `--description=nsrecipe: undo run ${runId} unless confirmed`,
    "--",
    "setsid",
    ...watchdog,
  ];
}

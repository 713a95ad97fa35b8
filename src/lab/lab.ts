/**
 * Entering and building a lab: a disposable simulated host in new network,
 * mount and PID namespaces (unshare(1)), with a private tmpfs on `/run` (so
 * `/run/netns` and the state directory are the lab's own) and a fresh sysfs
 * on `/sys`. Nothing in it is connected to the real network; when its first
 * process (PID 1 of the lab's PID namespace) exits, the kernel ends every
 * process in it and every namespace and link goes with them.
 *
 * @module
 */
import { PreconditionError } from "../errors.ts";
import type { Runner } from "../exec/mod.ts";
import { checkLabSpec, labCommands, type LabSpec } from "./spec.ts";
import { selfArgv } from "./self.ts";

/** The hidden subcommand that runs as PID 1 inside a fresh lab. */
export const LAB_INIT_COMMAND = "__lab-init";

/**
 * The argv that creates a lab and starts nsrecipe's lab init inside it.
 * `unshare --net --mount --pid --fork --mount-proc` (default propagation
 * private): a new network namespace, a private mount namespace and a PID
 * namespace whose PID 1 is the lab init.
 *
 * @param spec The lab.
 * @param args What the lab init runs: nsrecipe arguments, or `[]` for a shell.
 * @param hold Instead of a shell, print `ready` and wait for stdin to close (for tests).
 * @returns The argv.
 */
export function labArgv(spec: LabSpec, args: readonly string[], hold = false): string[] {
  return [
    "unshare",
    "--net",
    "--mount",
    "--pid",
    "--fork",
    "--mount-proc",
    "--kill-child",
    "--",
    ...selfArgv(),
    LAB_INIT_COMMAND,
    "--spec",
    JSON.stringify(checkLabSpec(spec)),
    ...(hold ? ["--hold"] : []),
    "--",
    ...args,
  ];
}

/**
 * Builds the simulated host. Refuses unless this process is PID 1 of its own
 * PID namespace, i.e. really inside a fresh lab: the lab's commands must
 * never run on a real host.
 *
 * @param spec The lab.
 * @param run The process seam.
 * @throws {PreconditionError} When not PID 1 of a fresh namespace.
 * @throws {CommandError} When a setup command fails.
 */
export async function buildLab(spec: LabSpec, run: Runner): Promise<void> {
  if (Deno.pid !== 1) {
    throw new PreconditionError(
      `${LAB_INIT_COMMAND} must run as PID 1 of a new PID namespace (it is PID ${Deno.pid})`,
      "Use 'nsrecipe lab'; it creates the namespaces first.",
    );
  }
  for (const argv of labCommands(spec)) await run(argv);
}

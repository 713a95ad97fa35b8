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
import { CommandError, PreconditionError } from "../errors.ts";
import { hintFor, type Runner } from "../exec/mod.ts";
import { batchMessage, failedLine } from "../engine/ip_batch.ts";
import { IpReader, SnapshotIpReader, unsettledAddresses, waitOperUp } from "../host/mod.ts";
import { checkLabSpec, labBuildCommands, type LabCommand, labLateCommands } from "./spec.ts";
import { LAB_INIT_COMMAND, LAB_NETNS, type LabSpec } from "./defaults.ts";
import { selfArgv } from "./self.ts";

/**
 * The unshare(1) prefix that creates a lab's namespaces and runs the program
 * after it as the lab's PID 1: `unshare --net --mount --pid --fork
 * --mount-proc --kill-child --` (a new network namespace, a private mount
 * namespace with its own `/proc`, and a PID namespace; the PID 1 is killed
 * when unshare dies).
 */
export const LAB_UNSHARE: readonly string[] = [
  "unshare",
  "--net",
  "--mount",
  "--pid",
  "--fork",
  "--mount-proc",
  "--kill-child",
  "--",
];

/**
 * The lab's PID 1 (M8): a shell that runs the command given as its
 * arguments (nsrecipe's lab init, PID 2) and waits for it, then exits with
 * its status. Orphans of the lab (a watchdog once its run has exited, the
 * children of a killed nsrecipe) are reparented to PID 1, which must reap
 * them (pid_namespaces(7)); Deno reaps only the children it spawned, so the
 * lab init alone would leave each as a zombie for the lab's life. sh(1)
 * waits with `waitpid(-1)` while it waits for its child, reaping every child
 * that ends; the loop goes on waiting while the child lives (a `wait`
 * returns early on a trapped signal). A background command of a
 * non-interactive shell reads /dev/null: the shell's stdin is handed over on
 * fd 3.
 */
export const LAB_REAPER: string = 'exec 3<&0; "$@" <&3 3<&- & child=$!; exec 3<&-; ' +
  'while :; do wait "$child"; code=$?; kill -0 "$child" 2>/dev/null || exit "$code"; done';

/**
 * The argv that creates a lab and starts nsrecipe's lab init inside it.
 * `unshare --net --mount --pid --fork --mount-proc` (default propagation
 * private): a new network namespace, a private mount namespace and a PID
 * namespace whose PID 1 is {@link LAB_REAPER}, the lab init its child.
 *
 * @param spec The lab.
 * @param args What the lab init runs: nsrecipe arguments, or `[]` for a shell.
 * @param hold Instead of a shell, print `ready` and wait for stdin to close (for tests).
 * @param parentPid The host PID of the `nsrecipe lab` that starts it, which the lab's
 *   shell banner names in its attach line.
 * @returns The argv.
 */
export function labArgv(spec: LabSpec, args: readonly string[], hold = false, parentPid?: number): string[] {
  return [
    ...LAB_UNSHARE,
    "sh",
    "-c",
    LAB_REAPER,
    "nsrecipe-lab",
    ...selfArgv(),
    LAB_INIT_COMMAND,
    "--spec",
    JSON.stringify(checkLabSpec(spec)),
    ...(hold ? ["--hold"] : []),
    ...(parentPid === undefined ? [] : ["--parent", String(parentPid)]),
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
  // PID 1 of a new PID namespace, or PID 2 under its reaper (LAB_REAPER): on a real host PID 2 is kthreadd.
  if (Deno.pid !== 1 && !(Deno.pid === 2 && Deno.ppid === 1)) {
    throw new PreconditionError(
      `${LAB_INIT_COMMAND} must run as PID 1 of a new PID namespace, or as PID 2 under its reaper (it is PID ${Deno.pid})`,
      "Use 'nsrecipe lab'; it creates the namespaces first.",
    );
  }
  for (const command of labBuildCommands(spec)) await runLabCommand(command, run);
  await finishLab(spec, run);
}

/**
 * Runs one of the processes that build a lab (`labBuildCommands`). A failed
 * `ip -batch -` is told as the command of the line that failed, with
 * iproute2's message for it, as that command alone would have failed: a
 * batch stops at its first failing line and exits 1, with the message and
 * `Command failed -:N` on stderr (ip(8), `-batch`).
 * @param command The process and the commands it runs.
 * @param run The process seam.
 * @throws {CommandError} When it fails: for a batch, naming the failed line's command (the batch when no line is
 *   named, e.g. killed or not started).
 */
export async function runLabCommand(command: LabCommand, run: Runner): Promise<void> {
  try {
    await run(command.argv, { stdin: command.stdin });
  } catch (e) {
    const line = e instanceof CommandError && command.stdin !== undefined ? failedLine(e.stderr) : undefined;
    const argv = line === undefined ? undefined : command.commands[line - 1];
    if (!(e instanceof CommandError) || argv === undefined) throw e;
    const message = batchMessage(e.stderr);
    throw new CommandError(argv, e.code, message, hintFor(argv, message));
  }
}

/**
 * The second half of building a lab, once `labBuildCommands` have run
 * inside it: waits (bounded) until every address of the lab host and its two
 * LAN namespaces has settled, then, when the spec has settings the kernel
 * resets while it handles the uplink's carrier, waits for the uplink to be
 * operationally `UP` and runs {@link labLateCommands}. {@link buildLab} runs
 * it after the commands; the test harness, which builds a lab with one shell
 * script under a PID 1 of its own, runs it through nsenter(1).
 *
 * @param spec The lab.
 * @param run The process seam, its commands run inside the lab's namespaces.
 * @throws {PreconditionError} When an address has not settled, or the uplink is not up, within 5 s.
 * @throws {CommandError} When a late command fails.
 */
export async function finishLab(spec: LabSpec, run: Runner): Promise<void> {
  await settleDad(run, [undefined, LAB_NETNS.lan, LAB_NETNS.lanHost]);
  const late = labLateCommands(spec);
  if (late.length > 0) {
    if (!(await waitOperUp(new IpReader(run), spec.uplink, DAD_SETTLE_MS))) {
      throw new PreconditionError(
        `The lab's uplink '${spec.uplink}' is not operationally up after ${DAD_SETTLE_MS} ms`,
      );
    }
    for (const argv of late) await run(argv);
  }
}

/** Upper bound for IPv6 duplicate address detection to finish in a new lab, in ms. */
const DAD_SETTLE_MS = 5000;

/**
 * Waits (bounded) until every address in the given namespaces has settled
 * (see `unsettledAddresses`: not `tentative` after RFC 4862 duplicate
 * address detection on the new links, and IPv6 ones with their local
 * route), so the lab is in a steady state when it is ready. Each look reads
 * a namespace's addresses and routes in one process (a fresh
 * `SnapshotIpReader`, its `prefetch`: one `ip [-n NS] -json -details -batch
 * -`), the namespaces side by side.
 *
 * @param run The process seam.
 * @param netnsList Namespaces to check (`undefined` = the lab host).
 * @throws {PreconditionError} When an address has not settled past the bound.
 */
async function settleDad(run: Runner, netnsList: (string | undefined)[]): Promise<void> {
  const until = Date.now() + DAD_SETTLE_MS;
  for (;;) {
    const ip = new SnapshotIpReader(run);
    const unsettled = (await Promise.all(netnsList.map(async (n) => {
      await ip.prefetch(n);
      return await unsettledAddresses(ip, n);
    }))).flat();
    if (unsettled.length === 0) return;
    if (Date.now() > until) {
      throw new PreconditionError(`Lab addresses not settled after ${DAD_SETTLE_MS} ms: ${unsettled.join(", ")}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The composition root: the one place the real implementations are chosen
 * and wired together from the global options (the process seam with its
 * tracer, the step context, the journal, the engine's dependencies and its
 * fault hook). Commands take what they need from here; everything below the
 * CLI receives its dependencies as arguments.
 *
 * @module
 */
import { PreconditionError, UsageError } from "../errors.ts";
import { denoSpawn, type Processes, processes, type Runner } from "../exec/mod.ts";
import { IpReader } from "../host/ip_json.ts";
// engine/faults.ts, not engine/mod.ts: the rest of the engine is for the commands that apply or undo (`plan` uses
// this module for its runner and needs none of it).
import type { EngineDeps, JournalPort } from "../engine/mod.ts";
import { FAULT_ENV, type FaultHook, faultHook, parseFault } from "../engine/faults.ts";
import { hostLockPath, Journal } from "../journal/mod.ts";
// lab/state_dir.ts, not lab/mod.ts: that would load the lab spec, the subnets and ip-bigint on every command.
import { stateDirOutsideLab } from "../lab/state_dir.ts";
import type { StepContext } from "../steps/mod.ts";
import type { Output } from "./output.ts";
import { ownBootId, ownNetns } from "./process_facts.ts";

/** The global options, parsed. */
export interface GlobalOptions {
  stateDir: string;
  json: boolean;
  verbose: boolean;
  dryRun: boolean;
  color: boolean;
}

/**
 * The process seam for these options: every process a command starts goes
 * through it, traced to stderr with `--verbose`.
 * @param out The output.
 * @returns The seam.
 */
export function processesFor(out: Output): Processes {
  return bounded(processes({ trace: traceFor(out) }));
}

/** The `--verbose` tracer of these options: each command to stderr, dimmed; none without `--verbose`. */
function traceFor(out: Output): ((line: string) => void) | undefined {
  return out.verbose ? (line) => out.progress(out.paint("dim", line)) : undefined;
}

/** The seam with {@link COMMAND_TIMEOUT_MS} on every captured command. */
function bounded(procs: Processes): Processes {
  // No captured command may hang nsrecipe (and with it the lock, and the watchdog's revert): each gets a bound.
  return { ...procs, run: (argv, o = {}) => procs.run(argv, { timeoutMs: COMMAND_TIMEOUT_MS, ...o }) };
}

/**
 * The captured-command runner of a command that only reads and catches no
 * signal (`status`, `plan`, `doctor`): as {@link runnerFor}, but its
 * commands stay in nsrecipe's session (`denoSpawn`'s `ownSession: false`).
 * A session of their own shelters a command in flight from the terminal's
 * Ctrl-C so that nsrecipe can let it finish; such a command has none to
 * finish (a Ctrl-C ends it at once, and now its reads with it), and the
 * session costs Deno a fork(2) of the whole nsrecipe process per command
 * instead of posix_spawn(3): about 1 ms more of its one thread each
 * (measured: 1.0-1.4 ms against 0.2 ms per start, from a process with its
 * modules loaded).
 * @param out The output.
 * @returns The runner.
 */
export function readerFor(out: Output): Runner {
  return bounded(processes({
    trace: traceFor(out),
    spawn: (argv, stdio, stdin) => denoSpawn(argv, stdio, stdin, false),
  })).run;
}

/**
 * How long a captured command (`ip`, `unshare`, `nft`, …) may run before it
 * is killed (SIGKILL) and counts as failed, in ms, unless its caller sets
 * its own bound. A hung `ip` right after the default route moved would
 * otherwise keep the host without one, and hold the lock the watchdog needs.
 */
export const COMMAND_TIMEOUT_MS = 30_000;

/**
 * The captured-command runner of {@link processesFor}.
 * @param out The output.
 * @returns The runner.
 */
export function runnerFor(out: Output): Runner {
  return processesFor(out).run;
}

/**
 * The step context.
 * @param run The runner.
 * @param log Where steps tell the admin what they did besides their summary (progress lines).
 * @returns A context whose host netns path is this process's own (`/proc/PID/ns/net`).
 */
export function stepContext(run: Runner, log?: (line: string) => void): StepContext {
  return { run, ip: new IpReader(run), hostNetnsPath: `/proc/${Deno.pid}/ns/net`, log };
}

/**
 * The current boot id (`/proc/sys/kernel/random/boot_id`, random(4)), read
 * with `cat` since Deno grants no access to `/proc` short of `--allow-all`,
 * once per process (`process_facts.ts`).
 * @param run The process seam.
 * @returns The id, trimmed.
 */
export function bootId(run: Runner): Promise<string> {
  return ownBootId(run);
}

/**
 * Refuses to change the host unless running as root.
 * @throws {PreconditionError} When the effective uid is not 0.
 */
export function assertRoot(): void {
  if (Deno.uid() !== 0) {
    throw new PreconditionError(
      `Not running as root (uid ${Deno.uid()}): nsrecipe needs root to create namespaces and links (CAP_SYS_ADMIN, CAP_NET_ADMIN); nothing was changed`,
      "Run it again with sudo.",
    );
  }
}

/**
 * The engine's dependencies.
 * @param journal The open journal (or the watchdog's deferring one).
 * @param run The runner.
 * @param out The output (progress lines).
 * @returns The dependencies, with the test fault hook armed only by {@link FAULT_ENV}.
 */
export async function engineDeps(journal: JournalPort, run: Runner, out: Output): Promise<EngineDeps> {
  return {
    // What a step says while it acts (the processes a namespace's deletion ends, a table left to its other owner) sits
    // among the undo's and the rollback's step lines, indented as they are.
    ctx: stepContext(run, (line) => out.progress(`  ${line}`)),
    journal,
    bootId: await bootId(run),
    netns: await ownNetns(run),
    log: (line) => out.progress(line),
    fault: testFaultHook(run),
  };
}

/**
 * The test fault hook (`src/engine/faults.ts`), armed only by {@link FAULT_ENV}.
 * @param run The runner (a `kill` or `stop` runs kill(1) on this process).
 * @returns The hook; one that never fires when the variable is unset or unarmed.
 * @throws {UsageError} When the variable is armed but malformed.
 */
export function testFaultHook(run: Runner): FaultHook {
  return faultHook(parseFault(Deno.env.get(FAULT_ENV)), run);
}

/**
 * Opens the journal in the state directory (taking its lock, waiting for
 * another nsrecipe process to finish and saying so), reports a torn last
 * record it repaired, runs `fn`, and always closes it, first moving its
 * checked mark to its end (`Journal.checkpoint`: the next nsrecipe then has
 * no record to check). A dry run reads the journal without the locks instead
 * (`frozenJournal`); should one come here, it moves no mark.
 * @param g Global options (the state directory, `--dry-run`).
 * @param out The output (lock notices, repair report).
 * @param fn What to do with the open journal.
 * @returns What `fn` returns.
 * @throws {UsageError} In a lab, for a state directory outside the lab's own mounts.
 * @throws {PreconditionError} When the journal cannot be opened safely; whatever `fn` throws.
 */
export async function withJournal<T>(g: GlobalOptions, out: Output, fn: (journal: Journal) => Promise<T>): Promise<T> {
  await assertStateDirInLab(g.stateDir, runnerFor(out));
  const journal = await openJournal(g.stateDir, runnerFor(out), (l) => out.progress(l));
  try {
    if (journal.repaired) out.progress(out.paint("yellow", journal.repaired));
    return await fn(journal);
  } finally {
    try {
      // A dry run writes nothing to the state directory, the journal's checked mark included (the next command that
      // checks the records writes it).
      if (!g.dryRun) await journal.checkpoint();
    } finally {
      journal.close();
    }
  }
}

/**
 * Opens the journal of state directory `dir` under both of nsrecipe's locks:
 * the host lock of the network namespace this process acts in (see
 * `hostLockPath`: processes with different state directories that change
 * the same host run one at a time) and the directory's own.
 * @param dir The state directory.
 * @param run The process seam (stat(1) of `/proc/self/ns/net`, once per process).
 * @param notice Told when a lock is busy.
 * @returns The open journal; close it when done.
 * @throws {PreconditionError} As `Journal.open`; a `CommandError` when the namespace cannot be read.
 */
export async function openJournal(dir: string, run: Runner, notice?: (line: string) => void): Promise<Journal> {
  return await Journal.open(dir, notice, hostLockPath(await ownNetns(run)));
}

/**
 * Inside a lab, refuses a state directory that is not on the lab's own
 * filesystems (see `src/lab/state_dir.ts`). A directory under `/run` is
 * always the lab's own there (its tmpfs), so only another one costs a read
 * of `/proc/self/mountinfo` (with `cat`: Deno grants no access to `/proc`);
 * a directory the journal's own checks refuse (relative, outside the
 * permission set) is left to them.
 * @param dir The state directory.
 * @param run The process seam.
 * @throws {UsageError} When in a lab and the directory is outside its mounts.
 */
export async function assertStateDirInLab(dir: string, run: Runner): Promise<void> {
  if (dir === "/run" || dir.startsWith("/run/")) return;
  // A relative directory, or one the permission set may not write, is refused by the journal's own checks first.
  if (!dir.startsWith("/") || Deno.permissions.querySync({ name: "write", path: dir }).state !== "granted") return;
  const why = stateDirOutsideLab((await run(["cat", "/proc/self/mountinfo"])).stdout, dir);
  if (why) {
    throw new UsageError(
      `The state directory '${dir}' cannot be used here: ${why}; nothing was changed`,
      "In a lab, keep the default --state-dir /run/nsrecipe (or another directory under /run/nsrecipe).",
    );
  }
}

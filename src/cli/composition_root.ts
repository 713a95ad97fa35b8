/**
 * The composition root: the one place the real implementations are chosen
 * and wired together from the global options (the process seam with its
 * tracer, the step context, the journal, the engine's dependencies and its
 * fault hook). Commands take what they need from here; everything below the
 * CLI receives its dependencies as arguments.
 *
 * @module
 */
import { PreconditionError } from "../errors.ts";
import { type Processes, processes, type Runner } from "../exec/mod.ts";
import { IpReader } from "../host/mod.ts";
import { type EngineDeps, FAULT_ENV, faultHook, type JournalPort, parseFault } from "../engine/mod.ts";
import { Journal } from "../journal/mod.ts";
import type { StepContext } from "../steps/mod.ts";
import type { Output } from "./output.ts";

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
  const procs = processes({ trace: out.verbose ? (line) => out.progress(out.paint("dim", line)) : undefined });
  // No captured command may hang nsrecipe (and with it the lock, and the watchdog's revert): each gets a bound.
  return { ...procs, run: (argv, o = {}) => procs.run(argv, { timeoutMs: COMMAND_TIMEOUT_MS, ...o }) };
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
 * with `cat` since Deno grants no access to `/proc` short of `--allow-all`.
 * @param run The process seam.
 * @returns The id, trimmed.
 */
export async function bootId(run: Runner): Promise<string> {
  return (await run(["cat", "/proc/sys/kernel/random/boot_id"])).stdout.trim();
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
    ctx: stepContext(run, (line) => out.progress(line)),
    journal,
    bootId: await bootId(run),
    log: (line) => out.progress(line),
    fault: faultHook(parseFault(Deno.env.get(FAULT_ENV)), run),
  };
}

/**
 * Opens the journal in the state directory (taking its lock, waiting for
 * another nsrecipe process to finish and saying so), reports a torn last
 * record it repaired, runs `fn`, and always closes it.
 * @param g Global options (the state directory).
 * @param out The output (lock notices, repair report).
 * @param fn What to do with the open journal.
 * @returns What `fn` returns.
 * @throws {PreconditionError} When the journal cannot be opened safely; whatever `fn` throws.
 */
export async function withJournal<T>(g: GlobalOptions, out: Output, fn: (journal: Journal) => Promise<T>): Promise<T> {
  const journal = await Journal.open(g.stateDir, (l) => out.progress(l));
  try {
    if (journal.repaired) out.progress(out.paint("yellow", journal.repaired));
    return await fn(journal);
  } finally {
    journal.close();
  }
}

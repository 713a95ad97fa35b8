/**
 * Where this nsrecipe process runs: a command that reads or changes the host
 * refuses to act from inside a run (its shell or command, or any process in
 * the run's network namespace), where the host's links are out of sight and
 * `undo` would end itself among the run's processes before it is done.
 *
 * @module
 */
import { CommandError, PreconditionError } from "../errors.ts";
import { type NetnsRef, sameNetns } from "../host/identity.ts";
import { ownNetns } from "./process_facts.ts";
import { foldRuns, isOpen, readJournal } from "../journal/mod.ts";
import type { Runner } from "../exec/mod.ts";
import { quote } from "../quote.ts";

/** The prefix of `NSRECIPE_RUN` in a run's shell or command (`nsrecipe:web`); a lab's shell has `nsrecipe-lab`. */
const RUN_PREFIX = "nsrecipe:";

/**
 * The run whose shell or command this process was started from, by
 * `NSRECIPE_RUN` (set by `run` and `shell`/`exec`, see `exec/terminal.ts`).
 * @param env The environment's `NSRECIPE_RUN`, e.g. `nsrecipe:web`.
 * @returns The run's label (`web`), or `undefined` outside any run.
 */
export function insideRun(env: string | undefined): string | undefined {
  return env?.startsWith(RUN_PREFIX) && env.length > RUN_PREFIX.length ? env.slice(RUN_PREFIX.length) : undefined;
}

/**
 * Refuses when this process was started inside a run's shell or command.
 * @param env The environment's `NSRECIPE_RUN`.
 * @throws {PreconditionError} Naming the run and the way out (exit 3, nothing changed).
 */
export function refuseInsideRun(env: string | undefined = Deno.env.get("NSRECIPE_RUN")): void {
  const label = insideRun(env);
  if (label === undefined) return;
  throw new PreconditionError(
    `You are inside run ${
      quote(label)
    } (its shell); exit it first: from here the host's links are out of sight, nothing changed`,
    "Type 'exit' to return to where the run was started, then run nsrecipe there.",
  );
}

/**
 * The journal's applied runs were all recorded in another network namespace
 * than `here`: the reason, or `undefined` when one of them was recorded here,
 * none is applied, or none recorded its namespace (journals of earlier
 * versions). Pure.
 * @param recorded The namespaces recorded by the open runs (`undefined` for a run of an earlier version).
 * @param here This process's network namespace.
 * @returns The reason, e.g. `this process is in network namespace net:[4026532290], not …`.
 */
export function elsewhereThanJournal(recorded: (NetnsRef | undefined)[], here: NetnsRef): string | undefined {
  const known = recorded.filter((n): n is NetnsRef => n !== undefined);
  if (known.length === 0 || known.length < recorded.length || known.some((n) => sameNetns(n, here))) return undefined;
  const there = [...new Set(known.map((n) => `net:[${n.ino}]`))].join(", ");
  return `this nsrecipe runs in network namespace net:[${here.ino}], not in the one its journal's applied runs were recorded in (${there})`;
}

/**
 * Refuses when this process is inside a run ({@link refuseInsideRun}) or in
 * another network namespace than every applied run of the journal in
 * `stateDir` (read without the lock: a reader): entered with
 * `ip netns exec` or `nsenter`, where the host's objects cannot be seen.
 * @param stateDir The state directory.
 * @param run The process seam (for stat(1), see `ownNetns`).
 * @throws {PreconditionError} Saying where it runs and the way out (exit 3, nothing changed).
 */
export async function refuseElsewhere(stateDir: string, run: Runner): Promise<void> {
  refuseInsideRun();
  // Not root, or a program missing: the checks that follow say so in their own words; this one needs both.
  if (Deno.uid() !== 0) return;
  const open = foldRuns(await readJournal(stateDir)).runs.filter(isOpen);
  if (open.length === 0) return;
  let here: NetnsRef;
  try {
    here = await ownNetns(run);
  } catch (e) {
    if (e instanceof CommandError && e.code === -1) return;
    throw e;
  }
  const why = elsewhereThanJournal(open.map((r) => r.netns), here);
  if (why === undefined) return;
  throw new PreconditionError(
    `Not on the host the journal's runs changed: ${why}; nothing changed`,
    "Leave that namespace (exit the shell entered with 'ip netns exec' or 'nsenter'), then run nsrecipe from the host's.",
  );
}

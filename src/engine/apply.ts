/**
 * Applying a plan: for each step, capture the prior state, write and fsync
 * the step-intent record, run the step, verify its effect, record it done;
 * consecutive steps that are plain `ip` commands do each of these once for
 * all of them, through one `ip -batch` (`apply_batch.ts`). A failed step
 * rolls back every step already done (newest first) and throws; so does a
 * request to stop (`EngineDeps.stopRequested`, a signal), seen between steps
 * (between batches): the step or batch in progress is finished first.
 *
 * @module
 */
import { CommandError, EXIT, InterruptedError, NsrecipeError, StepError } from "../errors.ts";
import { JournalWriteError } from "../journal/mod.ts";
import { type Identities, memoRunner, NamedLinksReader, readCache, type SeenLinks } from "../host/mod.ts";
import { kindOf, type Step } from "../steps/mod.ts";
import {
  applyBatch,
  applyBatchKey,
  applyGroups,
  changeRoutes,
  hostLinksOf,
  identify,
  readingCtx,
} from "./apply_batch.ts";
import { batchNetns } from "./ip_batch.ts";
import type { EngineDeps } from "./deps.ts";
import { InjectedFault } from "./faults.ts";
import { stepLine } from "./step_line.ts";
import { type RevertItem, rollback } from "./revert.ts";
import { loadRuns, undoRun } from "./undo.ts";

/** What a run is, before it starts. */
export interface RunRequest {
  /** Recipe name, e.g. `veth-bridge`. */
  recipe: string;
  /** Name for `undo NAME`. */
  label: string;
  /** The recipe's parsed parameters, recorded in `run-begin`. */
  params: Record<string, unknown>;
  /** Objects the plan relies on but does not create (`link:br0`). */
  uses: string[];
  /** Run id to use (e.g. one a watchdog was already given); default a new {@link newRunId}. */
  id?: string;
  /** Objects it creates that later runs may share (see `RunBeginRecord.handover`). */
  handover: string[];
  /** The plan's steps, applied in this order. */
  steps: Step[];
  /**
   * Indexes of steps whose effect must still hold once every step is done
   * (see `Plan.recheck`): each is verified again then, through one read of
   * the host, and any that no longer holds rolls the run back.
   */
  recheck?: number[];
  /**
   * The host's links and addresses as the plan saw them, when nothing has
   * changed since (read without the lock and kept when no other nsrecipe
   * wrote since, or read under it): the first batch's prior states and
   * identities are read from them, without a process.
   */
  seen?: SeenLinks;
  /**
   * The command line that shows this plan, with the options the run was given (e.g. `nsrecipe plan veth-bridge
   * --name demo`), named in the hint of an {@link InterruptedError}; default `nsrecipe plan` and the recipe's name.
   */
  planLine?: string;
}

/**
 * Creates a run id: UTC time plus 4 random hex digits, e.g. `20261129T063300-3f2a`.
 * @returns The id.
 */
export function newRunId(): string {
  const t = new Date().toISOString().replace(/[-:]/g, "").slice(0, 15);
  return `${t}-${crypto.randomUUID().slice(0, 4)}`;
}

/**
 * Applies a plan as one journaled run.
 *
 * If the journal cannot be written once the run has begun (a full disk),
 * the step in progress is abandoned and every step already touched is rolled
 * back: nsrecipe never leaves a change on the host that its journal may not
 * know about.
 *
 * @param req The run.
 * @param deps Engine dependencies.
 * @returns The run id.
 * @throws {StepError} When a step failed (or the journal could not record it)
 *   and every earlier step was rolled back and recorded so.
 * @throws {InterruptedError} When `deps.stopRequested` asked to stop, and
 *   every step done was rolled back and recorded so (asked while the run's
 *   end was recorded: the run was undone).
 * @throws {UndoError} When rollback could not revert everything, or could
 *   not record it in the journal.
 * @throws {JournalWriteError} When the run-begin record cannot be written:
 *   nothing was changed.
 */
export async function applyRun(req: RunRequest, deps: EngineDeps): Promise<string> {
  const { journal, log } = deps;
  const run = req.id ?? newRunId();
  await journal.append({
    kind: "run-begin",
    run,
    recipe: req.recipe,
    label: req.label,
    params: req.params,
    uses: req.uses,
    handover: req.handover,
    steps: req.steps,
    bootId: deps.bootId,
    ...(deps.netns ? { netns: deps.netns } : {}),
    pid: Deno.pid,
  });
  const touched: RevertItem[] = [];
  const known: Identities = {};
  let current = 0;
  try {
    for (const group of applyGroups(req.steps)) {
      current = group[0];
      await stopIfAsked(run, current, req.steps.length, touched, deps, planLineOf(req));
      // A step alone runs on its own, but for one in a named netns that `ip -batch` can run: its check's look at the
      // netns then goes in the same process, after its command.
      if (group.length === 1 && batchNetns(applyBatchKey(req.steps[current]) ?? "ip") === undefined) {
        await applyStep(run, current, req.steps[current], req.steps.length, touched, known, deps);
        continue;
      }
      const failure = await applyBatch(
        run,
        group,
        req.steps,
        touched,
        known,
        deps,
        current === 0 ? req.seen : undefined,
      );
      if (failure) {
        await failed(run, failure.index, req.steps[failure.index], req.steps.length, failure, touched, deps);
      }
    }
    // Asked to stop during the last step: that step is finished, and rolled back with the others.
    await stopIfAsked(run, req.steps.length, req.steps.length, touched, deps, planLineOf(req));
    await recheck(run, req, touched, deps);
    await journal.append({ kind: "run-end", run, state: "applied" });
  } catch (e) {
    if (!(e instanceof JournalWriteError)) throw e;
    const step = req.steps[current];
    log(`  ${e.message}; rolling back`);
    await rollback(run, touched, deps);
    throw new StepError(
      current,
      kindOf(step).summary(step),
      `the journal could not record it (${e.reason})`,
      e.hint,
    );
  }
  // Asked to stop while the run's end was being recorded, after the last look between steps: the run is applied
  // and recorded whole, so it is undone as `nsrecipe undo` would undo it.
  const late = deps.stopRequested?.();
  if (late !== undefined) {
    log(`  stopped by ${late} as the run was recorded applied: undoing it`);
    const runs = await loadRuns(deps);
    await undoRun(runs.find((r) => r.id === run)!, runs, deps);
    throw new InterruptedError(late, run, req.steps.length, req.steps.length, planLineOf(req));
  }
  return run;
}

/**
 * Once every step is done: verifies again the steps of `req.recheck` (each
 * kind's own `verify`), all against one read of the host (a memoizing
 * runner: each `ip -json` or `sysctl` query runs once however many steps ask
 * it). Later steps of a plan can take away what earlier ones did and
 * verified (enslaving a port, the uplink's last address leaving, a link
 * event resetting a setting); what no longer holds is named, and the whole
 * run is rolled back.
 * @param run The run id.
 * @param req The run request.
 * @param touched The steps done, oldest first.
 * @param deps Engine dependencies.
 * @throws {NsrecipeError} Exit code 4 ({@link EXIT.rolledBack}) naming each step whose effect no longer holds, once
 *   the run is rolled back.
 * @throws {UndoError} When the rollback could not revert everything.
 */
async function recheck(run: string, req: RunRequest, touched: RevertItem[], deps: EngineDeps): Promise<void> {
  if (!req.recheck?.length) return;
  // The host links the steps name and, when they change routes, the routes: one process (a crowded host's other
  // links are not read); anything else once each.
  const steps = req.recheck.map((i) => req.steps[i]);
  const look = {
    ...readingCtx(deps.ctx, memoRunner(deps.ctx.run)),
    ip: new NamedLinksReader(deps.ctx.run, hostLinksOf(steps), undefined, changeRoutes(steps)),
  };
  const wrong: string[] = [];
  for (const i of req.recheck) {
    const step = req.steps[i];
    const kind = kindOf(step);
    const why = await kind.verify(step, look).catch((e: Error) => e.message);
    if (why !== undefined) wrong.push(`step ${i + 1} (${kind.summary(step)}): ${why}`);
  }
  if (wrong.length === 0) return;
  deps.log(`  once every step was done, ${wrong.length} no longer held: ${wrong.join("; ")}; rolling back`);
  await rollback(run, touched, deps);
  throw new NsrecipeError(
    `Once every step was done, ${wrong.length} step(s) no longer held as planned: ${
      wrong.join("; ")
    }. Every step was rolled back`,
    EXIT.rolledBack,
    "Something changed them during the run (a network manager, a hook on link events): stop it from touching " +
      "these links, then run the recipe again ('nsrecipe rehearse' shows whether this host does it).",
  );
}

/**
 * Between steps: when a signal asked to stop (`deps.stopRequested`), rolls
 * back every step done (newest first, journaled as any rollback) and throws.
 * @param run The run id.
 * @param done How many steps are done (the next one's index).
 * @param total How many steps the plan has.
 * @param touched The steps done, oldest first.
 * @param deps Engine dependencies.
 * @param planLine The command line that shows the plan (see {@link RunRequest.planLine}).
 * @throws {InterruptedError} After the rollback.
 * @throws {UndoError} When the rollback could not revert everything.
 */
async function stopIfAsked(
  run: string,
  done: number,
  total: number,
  touched: RevertItem[],
  deps: EngineDeps,
  planLine: string,
): Promise<void> {
  const signal = deps.stopRequested?.();
  if (signal === undefined) return;
  deps.log(`  stopped by ${signal} after step ${done} of ${total}: rolling back`);
  await rollback(run, touched, deps);
  throw new InterruptedError(signal, run, done, total, planLine);
}

/** The command line that shows a run's plan: {@link RunRequest.planLine}, else `nsrecipe plan RECIPE`. */
function planLineOf(req: RunRequest): string {
  return req.planLine ?? `nsrecipe plan ${req.recipe}`;
}

/**
 * Records a failed step, says so under its {@link stepLine}, rolls back every step in `touched` and throws.
 * @throws {StepError} Always, once rolled back.
 * @throws {UndoError} When rollback could not revert everything.
 */
async function failed(
  run: string,
  index: number,
  step: Step,
  total: number,
  failure: { reason: string; command?: CommandError },
  touched: RevertItem[],
  deps: EngineDeps,
): Promise<never> {
  const kind = kindOf(step);
  await deps.journal.append({ kind: "step-failed", run, index, error: failure.reason });
  deps.log(stepLine(index, total, step));
  deps.log(`  failed: ${failure.reason}; rolling back`);
  await rollback(run, touched, deps);
  throw new StepError(
    index,
    kind.summary(step),
    failure.command ? `'${failure.command.argv.join(" ")}' said: ${failure.reason}` : failure.reason,
    failure.command?.hint || "Fix the cause above, then run the recipe again.",
    failure.command,
  );
}

/**
 * Applies one step: capture, write-ahead record (with the identities of the
 * objects it acts on that exist already), commands, verify, done record (with
 * the identities of the objects it made). On failure records it, rolls back
 * and throws {@link StepError}.
 */
async function applyStep(
  run: string,
  index: number,
  step: Step,
  total: number,
  touched: RevertItem[],
  known: Identities,
  deps: EngineDeps,
): Promise<void> {
  const { journal, ctx, log } = deps;
  const kind = kindOf(step);
  let failure: { reason: string; command?: CommandError } | undefined;
  // Commands that completed; iproute2 applies each request whole or not at all, so a step whose first
  // command failed changed nothing, and its rollback must not "revert" an object someone else made.
  let completed = -1;
  let made: Identities | undefined;
  try {
    // Before the command, the prior state and the identities are read together, each read once.
    const prior = readingCtx(ctx, readCache(ctx.run).cached);
    const captured = kind.capture ? await kind.capture(step, prior) : undefined;
    const before = await identify(step, known, prior);
    await journal.append({
      kind: "step-intent",
      run,
      index,
      ...(captured === undefined ? {} : { captured }),
      ...(before ? { identities: before } : {}),
    });
    touched.push({ run, index, step, captured, done: false, identities: known });
    await deps.fault("after-intent", index);
    await deps.fault("step", index);
    completed = 0;
    if (kind.apply) {
      await kind.apply(step, ctx);
      completed = 1;
    } else {
      for (const argv of kind.commands(step)) {
        await ctx.run(argv);
        completed++;
      }
    }
    await deps.fault("after-command", index);
    // The check reads afresh (it may poll, e.g. for carrier); the identities of what it made are then read from
    // its last reads, nothing having changed since.
    const after = readCache(ctx.run);
    const wrong = await kind.verify(step, readingCtx(ctx, after.fresh));
    if (wrong) failure = { reason: `the command succeeded but ${wrong}` };
    else made = await identify(step, known, readingCtx(ctx, after.cached));
  } catch (e) {
    if (e instanceof CommandError) failure = { reason: e.stderr || e.message, command: e };
    else if (e instanceof InjectedFault) failure = { reason: e.message };
    else if (e instanceof Deno.errors.NotFound) failure = { reason: e.message };
    else throw e;
  }
  if (failure) {
    if (failure.command && completed === 0 && touched.at(-1)?.index === index) touched.pop();
    await failed(run, index, step, total, failure, touched, deps);
  }
  await journal.append({ kind: "step-done", run, index, ...(made ? { identities: made } : {}) });
  touched[touched.length - 1].done = true;
  log(stepLine(index, total, step));
  await deps.fault("after-done", index);
}

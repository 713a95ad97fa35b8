import type { Recipe } from "../../recipes/mod.ts";
import type { Plan } from "../../recipes/types.ts";
import { applyRun, type EngineDeps, expireRun, loadRuns, newRunId, unconfirmedPinned, undoRun } from "../engine/mod.ts";
import {
  onOwnTerminal,
  OWN_TERMINAL_PROGRAMS,
  ownTerminalWanted,
  type Processes,
  refuseHalfTerminalShell,
  type Runner,
  whereEnv,
} from "../exec/mod.ts";
// lab/self.ts, not lab/mod.ts: that would load the lab spec, the subnets and ip-bigint.
import { inOneShotLab, selfArgv } from "../lab/self.ts";
import { clockTime } from "./clock.ts";
import { gatherFacts, type HostFacts, type KnownNetns, memoRunner, rawSocketsNotOf } from "../host/mod.ts";
import { launchFacts, watchdogLaunchArgv } from "./watchdog_launch.ts";
import { readProcStat } from "./process_stat.ts";
import { actOnExpiredWindows } from "./expired.ts";
import {
  type DoctorFacts,
  factGroupsFor,
  gatherDoctorFacts,
  type HostNeeds,
  KERNEL_MODULE_DIRS,
  MANAGER_DIRS,
  PROC_STATUS_PATH,
  runRecipeChecks,
  unfitHostError,
} from "../doctor/mod.ts";
import {
  foldRuns,
  hostLockPath,
  hostStampNow,
  isOpen,
  type Journal,
  journalBytesNow,
  JournalWriteError,
  readJournal,
  type RunView,
} from "../journal/mod.ts";
import {
  assertRoot,
  engineDeps,
  type GlobalOptions,
  processesFor,
  readerFor,
  withJournal,
} from "./composition_root.ts";
import { earlyReader } from "./early_reads.ts";
import type { Output } from "./output.ts";
import type { Confirmation } from "./status_model.ts";
// status.ts, confirm.ts and plan.ts are imported where a confirmation window or a dry run needs them: a run with
// neither (most runs) loads none of them.
import { EXIT, NsrecipeError, PreconditionError } from "../errors.ts";
import { catchEarlyStop, catchStopSignals, type EarlyStop, ignoreStopSignals } from "./interrupt.ts";
import { termForwarding } from "./command_stop.ts";
import { journalNetns } from "./journal_netns.ts";
import { WATCHDOG_COMMAND } from "./hidden.ts";
import { confirmWindowSeconds, factsToGather, oneShotLabEnd, refuseInapplicable } from "./run_rules.ts";
import {
  BOOT_ID_PATH,
  OWN_NETNS_PATH,
  ownBootId,
  type OwnFactsAhead,
  ownNetns,
  ownProgramFound,
  prefetchOwnFacts,
  programStatPaths,
} from "./process_facts.ts";
import { ownPathLook } from "./own_path_look.ts";
import { assertExecutable, assertProgramsAhead, BASE_PROGRAMS, programsFor } from "./programs.ts";
import { planProbed } from "./lan_probe.ts";
import { quote } from "../quote.ts";

/**
 * The facts of this process a run of the recipe reads before its first step,
 * for {@link prefetchOwnFacts} to read together: its network namespace (the
 * host lock) with the kernel modules doctor's kernel checks may look at and
 * the candidates of the base programs in PATH (one stat), the boot id (the
 * engine records it) with the status its privileges check reads (one head).
 * `unshare` is not among them: it is asked of test(1) with the command (see
 * {@link runCommand}).
 * @param recipe The recipe (its checks).
 * @returns The paths to stat and the files to read.
 */
export function ownFactsAhead(recipe: Recipe): OwnFactsAhead {
  const groups = factGroupsFor(recipe.needs.checks);
  return {
    stat: [
      OWN_NETNS_PATH,
      ...groups.has("kernel") ? Object.values(KERNEL_MODULE_DIRS) : [],
      // The network managers' state directories, for a recipe that moves the uplink (doctor's `managers` facts);
      // their files are read apart from the boot id (a FIFO in a file's place would hold that read to its bound).
      ...groups.has("managers") ? Object.values(MANAGER_DIRS) : [],
      // The base programs, found without a which-check of their own (ownProgramFound).
      ...programStatPaths(BASE_PROGRAMS, Deno.env.get("PATH") ?? ""),
    ],
    files: [BOOT_ID_PATH, ...groups.has("procStatus") ? [PROC_STATUS_PATH] : []],
  };
}

/** Options of `run` besides the recipe's own. */
export interface RunOptions {
  /** Undo the run when the shell or command exits. */
  rm: boolean;
  /** Shell started when no command is given and stdin is a TTY. */
  shell: string;
  /** Confirmation window in seconds; 0 for none, `undefined` for the recipe's default. */
  confirm?: number;
  /** The run lives only in `rehearse`'s lab, which undoes it itself: no advice to undo it. */
  rehearsal?: boolean;
  /**
   * The PIDs of `rehearse`'s own probes (its outage `ping`) running beside the run: their raw sockets are the
   * rehearsal's, not the host's, and are not reported as sockets that could not be checked.
   */
  probePids?: readonly number[];
  /**
   * The command line that shows this run's steps, with the recipe options it was given (e.g. `nsrecipe plan netns
   * --name web`), named when a signal stops the run; default `nsrecipe plan` and the recipe's name.
   */
  planLine?: string;
}

/**
 * `nsrecipe run RECIPE [options] [-- CMD...]`: plans, applies through the
 * journal, then runs CMD (or an interactive shell when stdin is a TTY)
 * inside the new namespaces; with `--rm` undoes the run afterwards.
 *
 * @param recipe The recipe.
 * @param params Its parsed parameters.
 * @param command The command after `--`, or `[]`.
 * @param opts Run options.
 * @param g Global options.
 * @param out The output.
 * @returns The exit code: the command's own when one ran, else 0.
 * @throws {PreconditionError} | {UsageError} | {StepError} | {UndoError}
 */
export async function runCommand(
  recipe: Recipe,
  params: Record<string, unknown>,
  command: string[],
  opts: RunOptions,
  g: GlobalOptions,
  out: Output,
): Promise<number> {
  const procs = processesFor(out);
  const onTty = Deno.stdin.isTerminal();
  // With --json no shell is opened (its screen would be stdout): a run without a command only sets up.
  const argv = command.length > 0 ? command : onTty && !g.json ? [opts.shell] : [];
  // A dry run only reads, and catches no signal: its reads stay in nsrecipe's session, as plan's.
  // A one-shot lab (lab -- run …) ends when this command returns, and the run with it: no window (run_rules.ts).
  const confirmSeconds = confirmWindowSeconds(recipe, opts.confirm, inOneShotLab());
  if (g.dryRun) return await dryRun(recipe, params, readerFor(out), out, confirmSeconds);
  if (command.length === 0 && argv.length > 0) {
    refuseHalfTerminalShell(
      `'nsrecipe run ${recipe.name}'`,
      "give a command after '--' (its output goes where stdout goes), " +
        "or set up only, with stdin from /dev/null (the run id goes to stdout)",
    );
  }
  assertRoot();
  // Until the first step a signal stops run at the next check, with a message (and its --json document).
  const planLine = opts.planLine ?? `nsrecipe plan ${recipe.name}`;
  const early = catchEarlyStop(planLine);
  // Until the run-begin record (the engine's first write-ahead record) run only reads: those reads stay in nsrecipe's
  // session (early_reads.ts), and a signal that ends one of them is the interruption (early.within).
  const reads = earlyReader(readerFor(out));
  const { runId, plan, deadline } = await (async () => {
    // A confirmation window whose watchdog is gone is acted on before anything else: that may undo a run, so its
    // commands keep sessions of their own.
    await actOnExpiredWindows(g, out, procs.run);
    early.check();
    // Until the first step, run only reads: one look at the host, each read done once (src/host/memo.ts).
    const look = memoRunner(reads);
    // A setup-only run starts nothing inside: it needs no unshare (nor a check of its version).
    const enters = argv.length > 0;
    const needs = enters
      ? recipe.needs
      : { ...recipe.needs, checks: recipe.needs.checks.filter((c) => c !== "unshare") };
    // This process's facts, read beside the check of the programs (already started when the CLI asked ahead).
    prefetchOwnFacts(reads, ownFactsAhead(recipe));
    // One which-check for the base programs and, ahead, for what a run that enters will start (unshare, the command
    // and the helpers in front of it): when all are there, the checks after planning need no process.
    const started = enters ? [...(ownTerminalWanted() ? OWN_TERMINAL_PROGRAMS : []), argv[0]] : [];
    const path = Deno.env.get("PATH") ?? "";
    const { found, recorded, stamped, host } = await early.within(async () => {
      const found = await assertProgramsAhead(
        look,
        BASE_PROGRAMS,
        enters ? ["unshare", ...started] : [],
        path,
        // The base programs from the stat read ahead. unshare, the command and its helpers are asked of test(1), which
        // a run that enters starts anyway for the command: its -x is access(2), which refuses a file on a noexec mount
        // (a stat's mode bits do not), and nothing would check unshare again before the steps (refuseUnfitHost leaves
        // an unstartable 'unshare --version' to this check): the run would be applied, then fail to start unshare.
        (p) => BASE_PROGRAMS.includes(p) ? ownProgramFound(p, path) : Promise.resolve(undefined),
      );
      // One look at the host, before taking the lock (which other nsrecipe processes that change things wait for):
      // doctor's facts include the host facts the plan is made from.
      const recorded = journalBytesNow(g.stateDir);
      const stamped = hostStampNow(hostLockPath(await ownNetns(reads)));
      const [host] = await Promise.all([
        refuseUnfitHost(recipe, needs, params, look, out, await journalNetns(g.stateDir), opts.probePids ?? [], early),
        // The engine records the boot id: read beside the host, not after the lock (a failure is read again there).
        ownBootId(reads).catch(() => ""),
      ]);
      return { found, recorded, stamped, host };
    });
    early.check();
    return await withJournal(g, out, async (journal) => {
      const { current, plan } = await early.within(async () => {
        // Another nsrecipe may have changed the host while this one looked: then it looks again, under the lock.
        const current = host && journal.bytes === recorded && journal.hostStamp === stamped
          ? host
          : await gatherFacts(reads, factsToGather(recipe, params));
        const plan = await planProbed(
          (facts) => recipe.plan(params, facts),
          current,
          reads,
          (line) => out.progress(line),
        );
        // A plan made from reads a signal ended is not told (its notes, refusals): the interruption is.
        early.check();
        refuseInapplicable(recipe.name, plan.steps.length, argv.length > 0, opts);
        // A rehearsal reports what it measured itself (the outages, each check): the run's notes, written for the real
        // host (e.g. "'nsrecipe rehearse' measures it"), are not repeated inside it.
        if (!opts.rehearsal) { for (const n of plan.notes) out.progress(out.paint("yellow", `Note: ${n}`)); }
        // The plan's own programs (sysctl, nft: --nat), first started after a change: asked of test(1), whose -x is
        // access(2) (a stat's mode bits say nothing of a noexec mount), so that one that cannot run is refused here.
        await assertProgramsAhead(
          look,
          programsFor(plan.steps, enters ? plan.enter : []).filter((p) => !found.has(p)),
          [],
          path,
          (p) => ownProgramFound(p, path),
        );
        if (enters) {
          // On a TTY the command gets a pseudo-terminal of its own (src/exec/terminal.ts), through env and script.
          await assertExecutable(
            look,
            started.filter((p) => !found.has(p)),
            path,
            (p) => command.length === 0 && p === opts.shell ? `--shell ${quote(p)}` : quote(p),
          );
        }
        return { current, plan };
      });
      early.check();
      if (plan.steps.length === 0) return { runId: "", plan, deadline: undefined };
      // A journal undo cannot fully read gets no run that could then not be undone: refused with undo's words.
      refusePinningUnconfirmed(plan.uses, await loadRuns({ journal }));
      const id = newRunId();
      // The watchdog starts before the first step: if the session drops (or nsrecipe is killed) during the
      // switch itself, the change is still undone when the window closes.
      const watchdog = confirmSeconds > 0 ? await startWatchdog(procs, id, confirmSeconds, g) : { pid: 0 };
      const deps = await engineDeps(journal, procs.run, out);
      // What ends the run: the rehearsal's lab, --rm once the shell or command exits, a one-shot lab, or an undo.
      const ends = opts.rehearsal
        ? ""
        : opts.rm
        ? ` --rm undoes it when the ${command.length === 0 ? "shell" : "command"} exits.`
        : inOneShotLab()
        ? oneShotLabEnd(recipe, opts.confirm)
        : ` Undo with: nsrecipe undo ${plan.label}`;
      const runId = await apply(recipe, params, plan, id, deps, out, ends, early.requested, current, planLine);
      const deadline = confirmSeconds > 0
        ? await openConfirmWindow(journal, runId, confirmSeconds, watchdog, out).catch((e) =>
          e instanceof JournalWriteError ? undoUnconfirmable(runId, e, deps, out) : Promise.reject(e)
        )
        : undefined;
      return { runId, plan, deadline };
    });
  })().finally(() => early.dispose());
  out.data({
    run: runId || null,
    label: plan.label,
    enter: plan.enter,
    // The window, if one opened, is this one object (its deadline and the seconds left), as in status and confirm;
    // `null` without one. Its length is not given beside it: one name per fact.
    confirmation: runId && deadline !== undefined ? await confirmationNow(runId, g) : null,
  });
  if (runId && deadline !== undefined) {
    const code = await confirmationPhase(runId, deadline, g, out);
    if (code !== undefined) return code;
    // Kept (at the prompt, or by 'nsrecipe confirm' meanwhile): --json says when and how, as status does.
    if (g.json && Deno.stdin.isTerminal()) out.data({ confirmation: await confirmationNow(runId, g) });
  }
  if (argv.length === 0) {
    if (runId) out.result(runId);
    return 0;
  }
  const shell = command.length === 0;
  const where = `nsrecipe:${plan.label}`;
  // pid-only makes no namespace with a name: its shell is in a new PID namespace on the host's network.
  const inside = plan.steps.length > 0 ? `inside '${plan.label}'` : "in a new PID namespace, on the host's network";
  if (shell) out.progress(out.paint("bold", `[${where}] ${opts.shell} ${inside}; 'exit' returns.`));
  // SHELL names the shell started (--shell), as login(1) and su(1) set it; a command gets the caller's.
  const env = {
    SHELL: shell ? opts.shell : Deno.env.get("SHELL"),
    ...(shell ? whereEnv(where) : { NSRECIPE_RUN: where }),
  };
  // A Ctrl-C meant for the command reaches nsrecipe too (one process group), and Deno hands a signal over from its
  // own thread, possibly after the command has ended and its listeners are gone: a SIGINT or SIGQUIT found with no
  // listener would end nsrecipe before it reports the command's end or --rm undoes the run. From here to the exit
  // they are the command's business (as while it runs); the listeners stay until nsrecipe exits.
  for (const sig of ["SIGINT", "SIGQUIT"] as const) Deno.addSignalListener(sig, () => {});
  const code = await procs.interactive([...plan.enter, ...(ownTerminalWanted() ? onOwnTerminal(argv, env) : argv)], {
    stdoutToStderr: g.json,
    term: termForwarding(out),
  });
  out.data({ command: { argv, exitCode: code } });
  out.exitIsCommands();
  if (runId && !opts.rm) await sayIfUndoneMeanwhile(runId, plan.label, shell, g, out);
  if (opts.rm && runId) await undoAfterwards(runId, procs.run, g, out);
  return code;
}

/**
 * A run's confirmation window as the journal has it now, in the shape `status --json` gives it.
 * @param runId The run.
 * @param g Global options (the state directory).
 * @returns The window (`waiting`, `confirmed`, …), or `null` when it has none (e.g. reverted).
 * @throws {PreconditionError} When the journal cannot be read.
 */
async function confirmationNow(runId: string, g: GlobalOptions): Promise<Confirmation | null> {
  const r = foldRuns(await readJournal(g.stateDir)).runs.find((r) => r.id === runId);
  const { confirmationOf } = await import("./status.ts");
  return (r && confirmationOf(r, Date.now())) ?? null;
}

/** `--dry-run`: prints the plan for the host as it is; changes nothing. */
async function dryRun(
  recipe: Recipe,
  params: Record<string, unknown>,
  run: Runner,
  out: Output,
  confirmSeconds: number,
): Promise<number> {
  const plan = recipe.plan(
    params,
    await gatherFacts(run, factsToGather(recipe, params)),
  );
  out.progress("Dry run: nothing will be changed. These are the commands 'run' would execute:");
  (await import("./plan.ts")).printPlan(recipe, plan, out, plan.steps.length > 0 ? confirmSeconds : 0);
  return 0;
}

/**
 * Doctor's checks for this recipe (read-only): warnings are printed, a failed
 * check refuses the run before anything is changed; none once a signal was
 * received (`early`): the interruption is reported instead.
 * @returns The host facts doctor gathered (for planning), or `undefined` when `ip` could not read them.
 * @throws {PreconditionError} When a check fails.
 * @throws {InterruptedError} When a signal was received while the facts were read.
 */
async function refuseUnfitHost(
  recipe: Recipe,
  needs: HostNeeds,
  params: Record<string, unknown>,
  run: Runner,
  out: Output,
  knownNetns: ReadonlyMap<string, KnownNetns>,
  probePids: readonly number[],
  early: EarlyStop,
): Promise<HostFacts | undefined> {
  const targets = recipe.targets(params);
  // Only the facts its checks read (src/doctor/checks.ts), besides the host facts the plan is made from.
  const gathered = await gatherDoctorFacts(run, {
    ...factsToGather(recipe, params),
    groups: factGroupsFor(needs.checks),
    knownNetns,
    // Answered from the reads made ahead (prefetchOwnFacts): no process of their own.
    paths: ownPathLook(run),
  });
  // Facts a signal cut short are not judged (no warning, no refusal made of them): the interruption is said.
  early.check();
  const facts = withoutProbeSockets(gathered, probePids);
  // Whether `ip` and `unshare` can be started at all is checked for exactly what the plan needs
  // (programs.ts: a setup-only run does not need unshare); doctor's checks judge their versions.
  const unstartable = new Set([
    ...(facts.ipVersion.ok ? [] : ["ip"]),
    ...(facts.unshareVersion.ok ? [] : ["unshare"]),
  ]);
  const findings = runRecipeChecks(needs, targets, facts).filter((f) => !unstartable.has(f.id));
  for (const f of findings.filter((f) => f.verdict === "warn")) {
    out.progress(out.paint("yellow", `Warning: ${f.summary}${f.fix ? `\n  ${f.fix.replaceAll("\n", "\n  ")}` : ""}`));
  }
  const refusal = unfitHostError(findings);
  if (refusal) throw refusal;
  return facts.host.ok ? facts.host.value : undefined;
}

/**
 * Doctor's facts without the raw sockets of `rehearse`'s own probes (see {@link RunOptions.probePids}).
 * @param facts The facts gathered.
 * @param probePids The probes' PIDs; none outside a rehearsal.
 * @returns The same facts, the host's `rawSocketsUnseen` left without the probes' sockets.
 */
function withoutProbeSockets(facts: DoctorFacts, probePids: readonly number[]): DoctorFacts {
  if (probePids.length === 0 || !facts.host.ok) return facts;
  const host = { ...facts.host.value, rawSocketsUnseen: rawSocketsNotOf(facts.host.value.rawSocketsUnseen, probePids) };
  return { ...facts, host: { ...facts.host, value: host } };
}

/**
 * Starts the confirm-or-revert watchdog so that it outlives the session (see
 * watchdog_launch.ts: a systemd scope where systemd is PID 1, else setsid).
 * It gets a provisional deadline; the one it enforces is the one `run`
 * records and announces once the switch is complete.
 * @returns Its PID and start time (`/proc/PID/stat` field 22, read at once: see process_stat.ts), which
 *   together name it for the next commands that ask whether it is still at work; no start time when it
 *   has already exited.
 */
async function startWatchdog(
  procs: Processes,
  runId: string,
  seconds: number,
  g: GlobalOptions,
): Promise<WatchdogIdentity> {
  const deadline = String(Date.now() + seconds * 1000);
  const watchdog = [...selfArgv(), "--state-dir", g.stateDir, WATCHDOG_COMMAND, runId, deadline];
  // setsid(1) and `systemd-run --scope` exec the watchdog in place: the PID and start time are the watchdog's.
  const pid = procs.detached(watchdogLaunchArgv(launchFacts(), runId, watchdog));
  const startTime = (await readProcStat(procs.run, pid))?.startTime;
  return { pid, ...(startTime === undefined ? {} : { startTime }) };
}

/** The watchdog process: its PID, and its start time when it could be read. */
interface WatchdogIdentity {
  pid: number;
  startTime?: number;
}

/**
 * Applies the plan as one journaled run and says how to undo it (`ends`).
 * A SIGINT, SIGTERM or SIGHUP meanwhile stops it between steps and rolls it
 * back ({@link catchStopSignals}).
 * @param ends What ends the run, after "Applied run ID (NAME).": e.g.
 *   ` Undo with: nsrecipe undo web`, ` --rm undoes it when the shell exits.`,
 *   or nothing (a rehearsal, whose lab undoes it).
 * @param planLine The command line that shows the plan, named when a signal stops the run (`RunOptions.planLine`).
 * @throws {StepError} | {InterruptedError} Rolled back (exit code 4).
 * @throws {UndoError} When the rollback could not complete.
 */
async function apply(
  recipe: Recipe,
  params: Record<string, unknown>,
  plan: Plan,
  id: string,
  deps: EngineDeps,
  out: Output,
  ends: string,
  earlier: () => Deno.Signal | undefined = () => undefined,
  seen?: HostFacts,
  planLine?: string,
): Promise<string> {
  const { label, uses, handover, steps, recheck } = plan;
  // While the plan is applied, SIGINT/SIGTERM/SIGHUP stop it between steps and roll it back (interrupt.ts);
  // before and after, they act as they always did.
  const stop = catchStopSignals(id, out);
  let runId: string;
  try {
    // The host as the plan saw it: the first batch's prior states need no look of their own.
    runId = await applyRun({ id, recipe: recipe.name, label, params, uses, handover, steps, recheck, seen, planLine }, {
      ...deps,
      // A signal caught before (catchEarlyStop) stops it before its first step.
      stopRequested: () => stop.requested() ?? earlier(),
    });
  } finally {
    stop.dispose();
  }
  out.progress(
    out.paint(
      "green",
      `Applied run ${runId} (${label}).${ends}`,
    ),
  );
  return runId;
}

/**
 * Opens the confirmation window once the switch is complete: records the
 * deadline, counted from now (the watchdog enforces this one), and announces it.
 * @returns The deadline, in ms since the epoch.
 * @throws {JournalWriteError} When the window cannot be recorded.
 */
async function openConfirmWindow(
  journal: Journal,
  runId: string,
  seconds: number,
  watchdog: WatchdogIdentity,
  out: Output,
): Promise<number> {
  const deadline = Date.now() + seconds * 1000;
  await journal.append({
    kind: "confirm-wait",
    run: runId,
    deadline,
    watchdogPid: watchdog.pid,
    ...(watchdog.startTime === undefined ? {} : { watchdogStart: watchdog.startTime }),
  });
  out.progress(out.paint(
    "yellow",
    `Confirm within ${seconds} s (by ${clockTime(deadline)}) or the change is undone: ${
      Deno.stdin.isTerminal() ? "type 'yes' here, or " : ""
    }run 'nsrecipe confirm ${runId}' from any session.`,
  ));
  return deadline;
}

/**
 * The confirmation window could not be recorded (the disk filled up right
 * then): nobody could confirm the run (`confirm` records too), and no
 * deadline was announced, so the run is undone now rather than at a deadline
 * the admin was never told.
 * @param runId The run.
 * @param cause Why the window could not be recorded.
 * @param deps Engine dependencies (the open journal).
 * @param out The output.
 * @returns Never: it always throws.
 * @throws {NsrecipeError} Exit code 4 ({@link EXIT.rolledBack}) once the run is undone.
 * @throws {UndoError} When the undo could not complete or could not be recorded (exit code 5).
 */
async function undoUnconfirmable(
  runId: string,
  cause: JournalWriteError,
  deps: EngineDeps,
  out: Output,
): Promise<never> {
  out.progress(out.paint(
    "red",
    `Could not record the confirmation window of run ${runId} (${cause.reason}): nobody could confirm it, so it is undone now.`,
  ));
  await expireRun(runId, deps);
  throw new NsrecipeError(
    `Run ${runId} was undone: its confirmation window could not be recorded in ${
      quote(deps.journal.path)
    } (${cause.reason})`,
    EXIT.rolledBack,
    "Free space in the state directory, then run the recipe again.",
  );
}

/**
 * The confirmation phase of `run`, once the window is open: on a terminal the
 * prompt (see `awaitTtyConfirmation` in confirm.ts); without one nothing to do here
 * (the watchdog holds the window; `nsrecipe confirm` closes it).
 * @param runId The run.
 * @param deadline The recorded deadline, in ms since the epoch.
 * @param g Global options.
 * @param out The output.
 * @returns {@link EXIT.rolledBack} when the run was not confirmed and was undone; `undefined` to go on.
 * @throws {UndoError} When the undo could not complete.
 */
async function confirmationPhase(
  runId: string,
  deadline: number,
  g: GlobalOptions,
  out: Output,
): Promise<number | undefined> {
  if (!Deno.stdin.isTerminal()) return undefined;
  const { awaitTtyConfirmation } = await import("./confirm.ts");
  return await awaitTtyConfirmation(runId, deadline, g, out) ? undefined : EXIT.rolledBack;
}

/**
 * Says so when the run was undone from another session (`nsrecipe undo`, the
 * watchdog) while its shell or command ran: that undo ended it, and nothing
 * else on this terminal would tell why.
 * @throws {PreconditionError} When the journal cannot be opened.
 */
async function sayIfUndoneMeanwhile(
  runId: string,
  label: string,
  shell: boolean,
  g: GlobalOptions,
  out: Output,
): Promise<void> {
  // Under the journal's lock: an undo from elsewhere ends the processes inside before it records its end.
  const journal = await withJournal(g, out, () => readJournal(g.stateDir));
  const run = foldRuns(journal).runs.find((r) => r.id === runId);
  if (!run || isOpen(run)) return;
  out.progress(out.paint(
    "yellow",
    `Run ${runId} (${label}) was ${run.state} from another session while its ${
      shell ? "shell" : "command"
    } ran; that ended it.`,
  ));
}

/** `--rm`: undoes the run once the command inside has exited. */
async function undoAfterwards(runId: string, run: Runner, g: GlobalOptions, out: Output): Promise<void> {
  // As any undo: not stopped half way by SIGINT, SIGTERM or SIGHUP (each said and ignored).
  const release = ignoreStopSignals(`the undo of run ${runId} (--rm)`, out);
  try {
    await undoNow(runId, run, g, out);
  } finally {
    release();
  }
}

/** The undo of `--rm`, under the journal's lock. */
async function undoNow(runId: string, run: Runner, g: GlobalOptions, out: Output): Promise<void> {
  await withJournal(g, out, async (journal) => {
    const deps = await engineDeps(journal, run, out);
    const runs = await loadRuns(deps);
    const target = runs.find((r) => r.id === runId);
    if (target) await undoRun(target, runs, deps);
    out.progress(`Undone run ${runId} (--rm).`);
  });
}

/**
 * Refuses a run that would use an object of a run not confirmed yet (in its
 * confirmation window, or past it and not reverted): it would keep that run
 * from being undone (`blockers`), so the watchdog could not revert at the
 * deadline the change nobody confirmed.
 * @param uses The new plan's objects (`Plan.uses`).
 * @param runs Every run, from the journal read under the lock.
 * @throws {PreconditionError} Naming the unconfirmed run, the objects and what to do.
 */
export function refusePinningUnconfirmed(uses: readonly string[], runs: readonly RunView[]): void {
  const [first] = unconfirmedPinned(uses, runs);
  if (!first) return;
  const { run: r, objects } = first;
  const due = r.confirm!.state === "pending" && r.confirm!.deadline > Date.now()
    ? `is waiting for confirmation (until ${clockTime(r.confirm!.deadline)})`
    : `was not confirmed by ${clockTime(r.confirm!.deadline)} and is not reverted yet`;
  throw new PreconditionError(
    `Run '${r.id}' (${r.label}) ${due}, and this run would use ${objects.join(", ")} of it: ` +
      "its revert could then not take place; nothing was changed",
    `Confirm it first ('nsrecipe confirm ${r.label}') or undo it ('nsrecipe undo ${r.label}'), then run this again.`,
  );
}

import {
  appliedIndexes,
  foldRuns,
  isOpen,
  type JournalProblem,
  journalStampNow,
  readJournal,
  type RunView,
} from "../journal/mod.ts";
import { CREATING_KINDS, kindOf, type Step, type StepContext } from "../steps/mod.ts";
import { noRunCalled, UsageError } from "../errors.ts";
import { closedRunCalled, closedRunPhrase } from "../engine/run_ended.ts";
import { archivedRunCalled } from "./archived.ts";
import type { IpAddrLink } from "../host/ip_json.ts";
import { memoRunner } from "../host/memo.ts";
import type { NetnsRef } from "../host/identity.ts";
import { confirmationNote, confirmedNote, quickNote, stateOf, statusDetails, statusTable } from "./status_view.ts";
import { checkRun, Unread } from "../engine/drift.ts";
import { CONFIRM_STARTUP_GRACE_MS, confirmationState } from "../engine/confirmation.ts";
import { recordedElsewhere } from "../engine/elsewhere.ts";
import { undoneSteps, type UndoProgress } from "../engine/undo_progress.ts";
import { clockTime } from "./clock.ts";
import { stepEntry } from "./json_fields.ts";
import { type GlobalOptions, readerFor, stepContext } from "./composition_root.ts";
import { ownBootId, ownNetns } from "./process_facts.ts";
import { incompleteNote } from "./journal.ts";
import { expiredWindows, type WatchdogState, watchdogStates } from "./expired_windows.ts";
import type { Output } from "./output.ts";
import type { Confirmation, RunStatus } from "./status_model.ts";
import { beginLook, type Begun, DEEP_UP_TO, type Depth, type Look, lookOnce } from "./status_look.ts";
import type { Runner } from "../exec/mod.ts";

/**
 * A run as `status` shows it: its drift and notes (`checkRun` of
 * `src/engine/drift.ts`), what it owns, changes and uses, what lives in its
 * namespace now, and each step's state.
 * @param r The run.
 * @param ctx Step context.
 * @param currentBootId This boot's id: a run from another boot is only noted, not checked.
 * @param inherited Steps of older runs handed over to this one (they count as its own), with their run, its name and
 *   the index, in the order they were applied.
 * @param here The network namespace status reads: a run recorded in another one is only noted, not checked.
 * @param look The look at the host the run is checked against ({@link lookOnce}): its depth, the namespaces whose
 *   inside it read, and how many processes each live namespace holds (a live namespace missing from it is counted
 *   with `ip netns pids`).
 * @param journaled Every run of the journal: what nsrecipe attached to this run's bridge is not foreign.
 * @param watchdog For a window past its deadline, its watchdog's state ({@link watchdogStates}).
 * @returns The run's status.
 */
export async function runStatus(
  r: RunView,
  ctx: StepContext,
  currentBootId: string | undefined,
  inherited: readonly { run: string; index: number; step: Step; label?: string }[],
  here: NetnsRef | undefined,
  look: Pick<Look, "depth" | "processes" | "inside" | "live">,
  journaled: readonly RunView[] = [r],
  watchdog?: WatchdogState,
): Promise<RunStatus> {
  // A namespace the quick look did not read inside: its reads are answered Unread (status_look.ts).
  const unread = (n: string) => look.depth === "quick" && look.live.includes(n) && !look.inside.has(n);
  const { stale, elsewhere, drift, unchecked, notes, renamed, stepDrift, undo: progress } = await checkRun(
    r,
    ctx,
    currentBootId,
    here,
    journaled,
    unread,
  );
  const applied = appliedIndexes(r);
  const ownership = objectsOf([...applied.map((i) => r.steps[i]), ...inherited.map((h) => h.step)], r.uses);
  const netns = r.steps.find((s) => s.kind === "netns-add")?.netns;
  const netnsStep = r.steps.findIndex((s) => s.kind === "netns-add");
  const netnsGone = netnsStep >= 0 && stepDrift?.get(netnsStep) !== undefined ? true as const : undefined;
  // The bridge under its current name: renamed by hand, it is followed (as undo follows it).
  const recordedMaster = r.steps.find((s) => s.kind === "link-set-master")?.master;
  const master = recordedMaster === undefined ? undefined : renamed[recordedMaster] ?? recordedMaster;
  const live = stale || elsewhere ? undefined : await liveFacts(r, ctx, netns, master, look);
  const now = Date.now();
  const confirmation = confirmationOf(r, now, watchdog, progress);
  if (confirmation?.state === "confirmed") notes.push(confirmedNote(confirmation, now));
  else if (confirmation) notes.unshift(confirmationNote(r.label, confirmation, now));
  // The watchdog's cut-short revert is the confirmation's "interrupted" (above).
  const undo = progress && r.confirm?.state !== "expired"
    ? { interrupted: true as const, ...progress, inEffect: progress.inEffect.map((s) => s.index) }
    : undefined;
  // Steps an interrupted undo recorded subsumed whose effect is still on the host (their object not deleted yet).
  const pending = new Map(progress?.inEffect.map((s) => [s.index, s.goesWith] as const) ?? []);
  // While the watchdog's revert is under way, what it has removed already (and what its current batch is removing) is
  // its own work, not a change behind nsrecipe's back: not drift, and the run is closed once the revert ends.
  if (confirmation?.state === "reverting" && progress && drift.length > 0) {
    // Counted as differences, one per step: those that went with a gone object are named on its line (foldGone).
    const folded = [...stepDrift?.values() ?? []].filter((d) => "with" in d).length;
    notes.push(
      `${drift.length + folded} difference(s) from the run's steps not shown as drift: its revert is under way`,
    );
    drift.length = 0;
  }
  const base = { state: r.state, stale, elsewhere, drift, unchecked, confirmation, undo };
  return {
    run: r.id,
    recipe: r.recipe,
    label: r.label,
    state: r.state,
    shown: stateOf(base),
    stale,
    ...(elsewhere ? { elsewhere } : {}),
    startedAt: r.startedAt,
    netns,
    ...(netnsGone ? { netnsGone } : {}),
    addresses: live?.addresses ?? [],
    bridge: master ? { name: master, addresses: live?.bridgeAddresses ?? [] } : undefined,
    processes: live?.processes,
    ...ownership,
    ...(undo ? { undo } : {}),
    confirmation,
    steps: [
      ...inherited.map((h) => ({
        ...stepEntry(h.index, h.step),
        state: "done",
        from: h.run,
        ...(h.label === undefined ? {} : { fromLabel: h.label }),
      })),
      ...r.steps.map((s, index) => {
        const goesWith = pending.get(index);
        const step = { ...stepEntry(index, s), state: goesWith ? "done" : r.stepStates[index] };
        // A done step found not in effect: what is wrong, or the step whose gone object took it (drift.ts foldGone).
        const off = stepDrift?.get(index);
        const drifted = off === undefined ? {} : "what" in off ? { drift: off.what } : { goneWithStep: off.with + 1 };
        return goesWith ? { ...step, goesWith } : { ...step, ...drifted };
      }),
    ],
    drift,
    look: look.depth,
    unchecked,
    notes,
  };
}

/**
 * A run's confirmation window as `status` shows it (pure).
 *
 * Past the deadline, what is said depends on whether someone will revert the
 * run: while its watchdog is alive (`at work`) the revert is due (held a few
 * seconds for a `nsrecipe confirm` started by the deadline) or under way:
 * `reverting`; only when the watchdog is gone or stopped, or the revert
 * failed, is the run `expired` (NOT reverted), or `interrupted` when a revert
 * began and stopped.
 * @param r The run.
 * @param now The current time in ms since the epoch.
 * @param watchdog For a window past its deadline, its watchdog's state ({@link watchdogStates}); absent when not
 *   looked at, which counts as at work (`run` and `confirm` report a window that is open or kept).
 * @param progress For a revert cut short: how far it got, as the host shows it (`checkRun`'s `undo`).
 * @returns The window while open, past its deadline (its revert due or under way, or not done), or confirmed;
 *   `undefined` otherwise.
 */
export function confirmationOf(
  r: RunView,
  now: number,
  watchdog?: WatchdogState,
  progress?: UndoProgress,
): Confirmation | undefined {
  const c = confirmationState(r);
  if (c.kind === "confirmed") {
    const { deadline, decidedAt, how } = r.confirm!;
    return {
      state: "confirmed",
      deadline: new Date(deadline).toISOString(),
      // Kept: the deadline no longer counts down (0 would read as "expired now").
      inSeconds: null,
      ...(decidedAt ? { at: decidedAt } : {}),
      how: how === "prompt-yes" ? "prompt-yes" : "command",
    };
  }
  if (c.kind !== "pending" && c.kind !== "reverting" && c.kind !== "not-reverted") return undefined;
  const at = { deadline: new Date(c.deadline).toISOString() };
  if (c.kind === "pending" && c.deadline > now) {
    return { state: "waiting", ...at, inSeconds: Math.ceil((c.deadline - now) / 1000) };
  }
  if (c.kind === "not-reverted") return { state: "expired", ...at, inSeconds: 0, why: c.why };
  const pid = r.confirm!.watchdogPid;
  const atWork = watchdog === undefined || watchdog === "at work";
  if (c.kind === "reverting") {
    // A step recorded subsumed whose object is not deleted yet may still be in effect (undo_progress.ts): the host,
    // when read (checkRun's `undo`), else the journal tells.
    const steps = undoneSteps(r);
    const undone = progress?.reverted.length ?? steps.filter((u) => u.goesWith === undefined).length;
    const done = steps.length + appliedIndexes(r).length;
    if (atWork) {
      const why = `the revert is under way, ${undone} of ${done} steps undone so far; its watchdog (pid ${pid}) ` +
        "is alive to see it through";
      return { state: "reverting", ...at, inSeconds: 0, why };
    }
    const why = `the revert began and stopped after undoing ${undone} of ${done} steps (the watchdog was stopped); ` +
      `'nsrecipe undo ${r.label}' completes it`;
    return { state: "interrupted", ...at, inSeconds: 0, why, undone, done };
  }
  if (!atWork) {
    const why = `its watchdog (pid ${pid}) is ${watchdog === "gone" ? "gone" : "stopped (SIGSTOP)"}, so nothing ` +
      `reverts it: 'nsrecipe undo ${r.label}' does${watchdog === "gone" ? "" : " (ending the watchdog)"}, as does ` +
      "the next 'nsrecipe run', 'confirm' or 'undo'";
    return { state: "expired", ...at, inSeconds: 0, why };
  }
  const graceEnd = c.deadline + CONFIRM_STARTUP_GRACE_MS;
  const why = now < graceEnd
    ? `its watchdog (pid ${pid}) reverts it at ${
      clockTime(graceEnd)
    } (held until then for a 'nsrecipe confirm' started by the deadline, longer while one is on its way)`
    : `its watchdog (pid ${pid}) is at work on it (waiting for the lock or for a 'nsrecipe confirm' started by the ` +
      `deadline, or recording a revert the journal could not take yet); 'nsrecipe undo ${r.label}' reverts it now`;
  return { state: "reverting", ...at, inSeconds: 0, why };
}

/**
 * Sorts a run's objects without contradiction: those its creating steps made
 * are owned; those its other steps changed, and that it did not make, are
 * changed; what it uses and neither made nor changed is used.
 * @param steps The run's applied steps, inherited ones included.
 * @param uses The objects its plan said it uses.
 * @returns Three disjoint lists of object ids.
 */
export function objectsOf(
  steps: readonly Step[],
  uses: readonly string[],
): { owns: string[]; changes: string[]; uses: string[] } {
  const owns = new Set<string>();
  const changed = new Set<string>();
  for (const s of steps) (CREATING_KINDS.has(s.kind) ? owns : changed).add(kindOf(s).object(s));
  const changes = [...changed].filter((o) => !owns.has(o));
  return { owns: [...owns], changes, uses: uses.filter((o) => !owns.has(o) && !changed.has(o)) };
}

/**
 * What `status` reads from the host for a run: the addresses in its
 * namespace, the bridge's addresses, the processes inside. In the quick look
 * the namespace's inside is not read (unless it is no longer the one the run
 * made, `Look.inside`): its addresses are those the run's done steps added
 * there, as the journal records them.
 */
async function liveFacts(
  r: RunView,
  ctx: StepContext,
  netns: string | undefined,
  bridge: string | undefined,
  look: Pick<Look, "depth" | "processes" | "inside">,
): Promise<{ addresses: string[]; bridgeAddresses: string[]; processes?: number }> {
  const cidrs = (links: IpAddrLink[]) =>
    links.filter((l) => l.ifname !== "lo").flatMap((l) =>
      l.addr_info.filter((a) => a.scope === "global").map((a) => `${a.local}/${a.prefixlen}`)
    );
  const alive = netns !== undefined && ctx.ip.netnsEntryState(netns) === "live";
  const recorded = () =>
    appliedIndexes(r).flatMap((i) => {
      const s = r.steps[i];
      return s.kind === "addr-add" && s.netns === netns && r.stepStates[i] === "done" &&
          (s.addr.scope ?? "global") === "global"
        ? [`${s.addr.local}/${s.addr.prefixlen}`]
        : [];
    });
  return {
    addresses: !alive
      ? []
      : look.depth === "quick" && !look.inside.has(netns)
      ? recorded()
      : cidrs(await ctx.ip.addrs(netns).catch(() => [])),
    bridgeAddresses: bridge ? cidrs(await ctx.ip.addrs(undefined, bridge).catch(() => [])) : [],
    // A namespace the look did not count (made since): counted now, unless the quick look reads no more (Unread).
    processes: alive
      ? look.processes.get(netns) ??
        await ctx.ip.netnsPids(netns).then((pids) => pids.length, (e) => {
          if (e instanceof Unread) return undefined;
          throw e;
        })
      : undefined,
  };
}

/**
 * The boot and network namespace of a status with no open run: never compared (there is no run to compare them
 * with), so not read.
 */
const NO_RUN_TO_CHECK: [string, NetnsRef] = ["", { dev: -1, ino: -1 }];

/**
 * `nsrecipe status [NAME]`: the applied runs as a table (or one run's
 * details), what each owns, changes and uses, whether the host still
 * matches, and any journal problem. Read-only: a journal with
 * records nsrecipe cannot read is reported, not refused (undo refuses), and
 * so is a confirmation window that expired with its watchdog gone (the next
 * `run`, `confirm` or `undo` reverts it). It
 * takes no lock (a run in progress is seen as far as its journal goes), and
 * looks at the host once ({@link lookOnce}): one snapshot of the host and,
 * when deep, of each namespace, against which every run's steps are checked.
 * The host's snapshot (and the process scan) begin while the journal is read
 * ({@link beginLook}); they serve when the journal did not change meanwhile
 * (`journalStampNow` before and after: every record read was written before
 * they began, so a step recorded done is in them), else the host is read
 * again once the journal is.
 * @param selector A run's id or name for its details (deep unless `--quick`); `undefined` for the table.
 * @param g Global options.
 * @param out The output.
 * @param depth `deep` or `quick` as asked (`--deep`, `--quick`); `undefined`: the table's own choice, deep up to
 *   `DEEP_UP_TO` live namespaces.
 * @throws {PreconditionError} When the journal cannot be opened.
 * @throws {UsageError} When no applied run has that id or name (exit 2): a closed run of that id or name is said
 *   to be, how and when it ended.
 */
export async function statusCommand(
  selector: string | undefined,
  g: GlobalOptions,
  out: Output,
  depth?: Depth,
): Promise<void> {
  const runner = readerFor(out);
  const run = memoRunner(runner);
  // This boot and this network namespace (one head and one stat: process_facts.ts), read while the journal is read
  // and parsed; so is the host. Neither when there is no journal to check them against.
  const who = () => Promise.all([ownBootId(runner), ownNetns(runner)]);
  const before = journalStampNow(g.stateDir);
  const whoWhere = before && before.bytes > 0 ? who() : undefined;
  whoWhere?.catch(() => {}); // Awaited below; a failure is thrown there, not reported as unhandled meanwhile.
  const begun = whoWhere ? beginLook(runner) : undefined;
  let found: Awaited<ReturnType<typeof gather>>;
  try {
    const journal = await readJournal(g.stateDir);
    const early = begun && journalStampNow(g.stateDir)?.stamp === before?.stamp ? begun : undefined;
    // A journal written after the look at its length is read as it is now: with an open run, they are read now.
    const [current, here] = await (whoWhere ??
      (foldRuns(journal).runs.some(isOpen) ? who() : Promise.resolve(NO_RUN_TO_CHECK)));
    found = await gather(journal, selector, depth, { runner, run, current, here, begun: early });
  } finally {
    await begun?.settled; // No process of the look outlives the command, used or not.
  }
  const { journal, statuses, problems, look } = found;
  if (selector !== undefined && statuses.length === 0) {
    const closed = closedRunCalled(foldRuns(journal).runs, selector) ?? await archivedRunCalled(g.stateDir, selector);
    if (!closed) throw noRunCalled(selector, "applied");
    throw new UsageError(
      `${closedRunPhrase(closed, Date.now(), true)}: it is not applied`,
      `'nsrecipe journal ${closed.label}' shows its records; 'nsrecipe status' lists the applied runs.`,
    );
  }
  out.data({ runs: statuses, problems });
  if (journal.incomplete) out.progress(out.paint("yellow", incompleteNote(journal.path, journal.incomplete)));
  for (const p of problems) {
    out.progress(out.paint("yellow", `${journal.path}: ${p.message}; undo will not act until this is resolved`));
  }
  const now = Date.now();
  // The lines go out in one write, not one each: a table of 50 runs is 51 lines.
  if (selector !== undefined) {
    out.result(statuses.flatMap((s) => statusDetails(s, now)).join("\n"));
    return;
  }
  out.result(statuses.length === 0 ? "No applied runs." : statusTable(statuses, now).join("\n"));
  if (statuses.some((s) => s.unchecked.length > 0)) {
    out.progress(out.paint("yellow", quickNote(look.live.length, depth === "quick", DEEP_UP_TO)));
  }
  for (const s of statuses) {
    for (const n of s.notes) out.progress(out.paint("yellow", `${s.label}: note: ${n}`));
    for (const d of s.drift) out.progress(out.paint("yellow", `${s.label}: drift: ${d}`));
  }
}

/**
 * What `status` shows, gathered: the runs it shows, each checked against one look at the host, and the journal's
 * problems.
 * @param journal The journal, read.
 * @param selector A run's id or name; `undefined` for every applied run.
 * @param depth The depth asked for, if any.
 * @param reads What was read besides the journal, and how to read more.
 * @returns The journal, the runs' statuses (newest first), the journal's problems tied to no run, and the look.
 */
async function gather(
  journal: Awaited<ReturnType<typeof readJournal>>,
  selector: string | undefined,
  depth: Depth | undefined,
  reads: {
    /** The process seam. */
    runner: Runner;
    /** The process seam, memoizing. */
    run: Runner;
    /** This boot's id. */
    current: string;
    /** This process's network namespace. */
    here: NetnsRef;
    /** The look's first reads, begun before the journal was read, when they may serve ({@link lookOnce}). */
    begun?: Begun;
  },
) {
  const { runner, run, current, here, begun } = reads;
  const { runs, orphanProblems } = foldRuns(journal);
  // Read-only: whether a watchdog is at work on each window past its deadline, its hold for a confirm included (no
  // grace): an expired window nobody is at work on is reported; the next run, confirm or undo acts on it.
  const now = Date.now();
  const watchdogs = await watchdogStates(runner, expiredWindows(runs, now, 0), now);
  const open = runs.filter(isOpen).reverse();
  const byId = new Map(runs.map((r) => [r.id, r]));
  // `status NAME` looks only at the runs it shows.
  const chosen = selector === undefined ? open : open.filter((r) => r.id === selector || r.label === selector);
  const checked = chosen.filter((r) => r.bootId === current && !recordedElsewhere(r, here));
  // One snapshot of the host and, deep, of each namespace, shared by every run's steps (src/host/memo.ts).
  const look = await lookOnce(run, checked, depth ?? (selector === undefined ? undefined : "deep"), begun);
  const ctx: StepContext = { ...stepContext(look.run), ip: look.ip };
  const statuses = await Promise.all(chosen.map((r) => {
    // Steps handed over by an earlier run's undo are this run's to revert now (e.g. a shared bridge).
    // In the order they were applied (undo hands them over newest first): older runs first, each in plan order.
    const inherited = r.inherited.flatMap((ref) => {
      const owner = byId.get(ref.run);
      const step = owner?.steps[ref.index];
      return owner && step ? [{ ...ref, step, label: owner.label }] : [];
    }).sort((a, b) => runs.indexOf(byId.get(a.run)!) - runs.indexOf(byId.get(b.run)!) || a.index - b.index);
    return runStatus(r, ctx, current, inherited, here, look, runs, watchdogs.get(r.id));
  }));
  const problems: JournalProblem[] = orphanProblems;
  return { journal, statuses, problems, look };
}

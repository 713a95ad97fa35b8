import type { EngineDeps, JournalPort, UndoAllPlan, UndoReport } from "../engine/mod.ts";
import { loadRuns, selectRuns } from "../engine/undo_select.ts";
import { closedRunCalled, closedRunPhrase } from "../engine/run_ended.ts";
import { actOnExpiredWindows } from "./expired.ts";
import { confirmationState } from "../engine/confirmation.ts";
import { momentOf } from "./clock.ts";
import { stepEntry } from "./json_fields.ts";
import { NoRunError, PreconditionError, UndoError } from "../errors.ts";
import { archivedRunCalled } from "./archived.ts";
import { listed, quote } from "../quote.ts";
import { frozenJournal, type RunView } from "../journal/mod.ts";
import { assertRoot, engineDeps, type GlobalOptions, readerFor, runnerFor, withJournal } from "./composition_root.ts";
import { ignoreStopSignals } from "./interrupt.ts";
import type { Output } from "./output.ts";
import { assertProgramsAhead, BASE_PROGRAMS, programsFor } from "./programs.ts";
import { OWN_NETNS_PATH, ownBootId, ownProgramFound, prefetchOwnFacts, programStatPaths } from "./process_facts.ts";

/**
 * `nsrecipe undo [ID|NAME | --all]`: reverts the newest applied run, a chosen
 * one, or all of them newest first. Nothing to undo is not an error (exit 0): a
 * run named that is closed is said to be, how and when ("Nothing to undo: run
 * '…' (web) was undone at 14:03:27.").
 *
 * @param selector Run id or name, `"--all"`, or `undefined` for the newest.
 * @param g Global options.
 * @param out The output.
 * @throws {UsageError} When the selector names no run.
 * @throws {PreconditionError} When the journal cannot be read safely.
 * @throws {UndoError} When a step could not be reverted.
 */
export async function undoCommand(selector: string | undefined, g: GlobalOptions, out: Output): Promise<void> {
  if (!g.dryRun) assertRoot();
  // What changes the host (the undo of an expired run, the undo itself) runs commands each in a session of their own,
  // out of reach of the terminal's Ctrl-C (interrupt.ts). The reads of its first look, before any change, need no such
  // shelter (a signal then ends undo, which catches none before its first change, with its reads): they stay in
  // nsrecipe's session, which spares Deno a fork of the whole process per command (composition root's readerFor).
  const run = runnerFor(out);
  const reads = readerFor(out);
  // Its network namespace (the host lock) and the candidates in PATH of the base programs, in one stat. The programs
  // only some steps run (sysctl, nft) are asked of test(1) below: its -x is access(2), which refuses a noexec mount.
  const path = Deno.env.get("PATH") ?? "";
  prefetchOwnFacts(reads, { stat: [OWN_NETNS_PATH, ...programStatPaths(BASE_PROGRAMS, path)] });
  await assertProgramsAhead(reads, BASE_PROGRAMS, [], path, (p) => ownProgramFound(p, path));
  const expired = await actOnExpiredWindows(g, out, run);
  const undo = async (journal: JournalPort) => {
    let runs = await loadRuns({ journal });
    // A run named that the journal no longer holds may be in its archive (closed: nothing to undo).
    let archived: RunView | undefined;
    const targets = await (async () => {
      try {
        return selectRuns(runs, selector);
      } catch (e) {
        if (!(e instanceof NoRunError) || !selector || !(archived = await archivedRunCalled(g.stateDir, selector))) {
          throw e;
        }
        return [];
      }
    })();
    if (targets.length === 0) {
      // A run named that is closed: said how and when, so that a second undo of it reads as the no-op it is. One an
      // expired window's revert just closed was said above ("undoing it now").
      const closed = selector && selector !== "--all" ? closedRunCalled(runs, selector) ?? archived : undefined;
      out.data({
        // A dry run's document has a dry run's shape (what `--dry-run undo` gives with something to undo), empty.
        ...(g.dryRun ? { dryRun: true, wouldUndo: [], ...(selector === "--all" ? { wouldNotUndo: [] } : {}) } : {
          undone: [],
        }),
        // --json: the same facts as the text line (`closed: { run, label, state, at }`, `at` an ISO time or null).
        ...(closed && expired === 0
          ? { closed: { run: closed.id, label: closed.label, state: closed.state, at: closed.endedAt ?? null } }
          : {}),
      });
      out.result(
        expired > 0
          ? "Nothing more to undo."
          : closed
          ? `Nothing to undo: ${closedRunPhrase(closed, Date.now())}.`
          : "Nothing to undo.",
      );
      return;
    }
    // Only now, with something to undo: the engine (its modules: nothing to undo loads none of them), and its
    // dependencies, which read the boot id (a process, read once: engineDeps then finds it read). A dry run changes
    // nothing: its engine only reads, in nsrecipe's session too.
    const [{ assertUndoableHere, leftAloneError, leftAloneHint, planUndoAll, previewUndo, previewUndoAll, undoRun }] =
      await Promise.all([
        import("../engine/mod.ts"),
        ownBootId(reads),
      ]);
    const deps = await engineDeps(journal, g.dryRun ? reads : run, out);
    // Those of the base checked above need no second look.
    await assertProgramsAhead(
      reads,
      programsFor(targets.flatMap((t) => t.steps)).filter((p) => !BASE_PROGRAMS.includes(p)),
      [],
      path,
      (p) => ownProgramFound(p, path),
    );
    if (g.dryRun && selector === "--all") {
      const plan = planUndoAll(runs, deps.netns);
      // What each undo would do when its turn comes (the engine's preview, reads only): refuse to start, or close its
      // run but leave alone an object someone else made again.
      const { refusals: refuses, leftAlone } = await previewUndoAll(plan.will, runs, deps);
      announce(plan, deps, out, refuses, leftAlone);
      out.data({
        dryRun: true,
        wouldUndo: plan.will.map((t) => ({
          run: t.id,
          label: t.label,
          recipe: t.recipe,
          ...(refuses.has(t.id) ? { refuses: refuses.get(t.id)!.why } : {}),
          ...(leftAlone.has(t.id) ? { leavesAlone: leftAlone.get(t.id) } : {}),
        })),
        wouldNotUndo: plan.wont.map((w) => ({ run: w.run.id, label: w.run.label, recipe: w.run.recipe, why: w.why })),
      });
      out.result(`Dry run: would undo ${plan.will.map((t) => `${t.id} (${t.label})`).join(", ") || "nothing"}`);
      // As `undo --all` would end: 5 when an undo would refuse over the host or leave something alone (the host needs
      // attention), else 3 when one would refuse for another reason.
      const lines = [
        ...plan.will.filter((t) => refuses.has(t.id)).map((t) => `${t.id} (${t.label}): ${refuses.get(t.id)!.why}`),
        ...plan.will.filter((t) => leftAlone.has(t.id)).flatMap((t) =>
          leftAlone.get(t.id)!.map((l) => `${t.id} (${t.label}): would leave alone: ${l}`)
        ),
      ];
      if ([...refuses.values()].some((r) => r.attention) || leftAlone.size > 0) {
        throw new UndoError(
          `Dry run: ${
            [
              refuses.size > 0 ? `the undo of ${refuses.size} run(s) would not start as the host is now` : "",
              leftAlone.size > 0
                ? `the undo of ${leftAlone.size} run(s) would leave alone steps whose object someone else made ` +
                  "again under the same name"
                : "",
            ].filter(Boolean).join("; ")
          }`,
          lines,
          [
            ...refuses.size > 0
              ? [
                "'nsrecipe status' names what is attached; move it elsewhere or remove it, then run 'nsrecipe undo --all'.",
              ]
              : [],
            ...leftAlone.size > 0 ? [leftAloneHint(true, leftAlone.size > 1)] : [],
          ].join(" "),
        );
      }
      if (refuses.size > 0) {
        throw new PreconditionError(
          `Dry run: ${refuses.size} run(s) would not be undone:\n  ${lines.join("\n  ")}`,
          "See 'nsrecipe journal' and 'nsrecipe status' for why.",
        );
      }
      return;
    }
    if (g.dryRun) {
      // What each undo would do, step by step and command by command, read from the host as it is now.
      const previews = [];
      for (const t of targets) previews.push({ t, ...await previewUndo(t, runs, deps) });
      out.data({
        dryRun: true,
        wouldUndo: previews.map(({ t, lines, leftAlone }) => ({
          run: t.id,
          label: t.label,
          recipe: t.recipe,
          lines,
          ...(leftAlone.length > 0 ? { leavesAlone: leftAlone } : {}),
        })),
      });
      for (const { t, lines } of previews) {
        out.result(`Dry run: would undo ${t.id} (${t.recipe} ${t.label}); nothing is changed. In order:`);
        for (const l of lines) out.result(`  ${l}`);
      }
      // As the undo would end: it closes the run, but exits 5 for what it leaves alone (`closeRun`).
      const leaving = previews.filter((p) => p.leftAlone.length > 0);
      if (leaving.length > 0) {
        const count = leaving.reduce((n, p) => n + p.leftAlone.length, 0);
        const runsWord = leaving.map(({ t }) => `run '${t.id}' (${t.label})`).join(", ");
        throw leftAloneError(
          `Dry run: the undo of ${runsWord} would revert what is its own, but leave alone ${count} step(s) whose ` +
            "object someone else made again under the same name",
          leaving.flatMap(({ t, leftAlone }) => leftAlone.map((l) => leaving.length > 1 ? `${t.label}: ${l}` : l)),
          true,
        );
      }
      return;
    }
    // From here on the host changes: a signal does not stop the undo half way (src/cli/interrupt.ts).
    let current = "the undo";
    const release = ignoreStopSignals(() => current, out);
    try {
      if (selector === "--all") {
        await undoAll(runs, deps, out, (t) => current = `the undo of run ${t.id} (${t.label})`);
        return;
      }
      const reports: UndoReport[] = [];
      for (const [i, t] of targets.entries()) {
        // The runs as the journal has them after the previous undo. Never read after the last: nothing uses them
        // then, and reading back the records this process just wrote would check them (zod loaded for a few
        // records of its own), which Journal.checkpoint leaves to the next reader.
        if (i > 0) runs = await loadRuns(deps);
        current = `the undo of run ${t.id} (${t.label})`;
        // Refused here (unreadable records, another namespace) before it is announced: nothing is undone.
        assertUndoableHere(t, deps);
        out.progress(`Undoing run ${t.id} (${t.recipe} ${t.label})`);
        expiredNote(t, out);
        reports.push(await undoRun(runs.find((r) => r.id === t.id)!, runs, deps));
      }
      out.data({ undone: reports.map(reportData) });
      for (const r of reports) out.result(reportLine(r));
    } finally {
      release();
    }
  };
  if (!g.dryRun) return await withJournal(g, out, undo);
  // A dry run only reads: the journal without its locks, as `status` reads it (it waits for no other nsrecipe, and
  // on a host with no state directory creates none), once, and nothing written.
  const journal = await frozenJournal(g.stateDir);
  if (journal.incomplete) {
    out.progress(out.paint(
      "yellow",
      `The journal's last line is incomplete (a record being written, or one cut short by a crash, which the undo ` +
        `would remove): ${JSON.stringify(journal.incomplete.slice(0, 80))}`,
    ));
  }
  await undo(journal);
}

/** One undo report as the `--json` document gives it. */
function reportData(r: UndoReport) {
  return {
    run: r.run,
    label: r.label,
    result: r.result,
    steps: r.outcomes.map((o) => ({ ...stepEntry(o.item.index, o.item.step), run: o.item.run, how: o.how })),
    counts: countsOf(r),
    handedOver: r.handedOver,
  };
}

/**
 * How many of an undo's steps ended each way, by their `how` (as `--json`'s
 * `steps[].how`): `reverted` by their own inverse, `subsumed` (they went with
 * the netns or link they belong to, which the run made and the undo deleted,
 * or found gone), `already-gone` (found already reverted).
 * @param r The report.
 * @returns The three counts, each present (0 when none).
 */
function countsOf(r: UndoReport): { reverted: number; subsumed: number; "already-gone": number } {
  const count = (how: string) => r.outcomes.filter((o) => o.how === how).length;
  return { reverted: count("reverted"), subsumed: count("subsumed"), "already-gone": count("already-gone") };
}

/**
 * One line for humans saying what an undo did: the steps reverted by their
 * own inverse, those that went with the objects they belong to (named), those
 * found already reverted, those kept for later runs.
 * @param r The report.
 * @returns e.g. `Undone 20261201T114410-ed80 (w): 3 step(s) reverted, 9 went with netns 'w', link 'veth-w' and link
 *   'br0'`.
 */
export function reportLine(r: UndoReport): string {
  if (r.result === "stale") {
    return `Closed ${r.run} (${r.label}): it is from before a reboot, its objects are gone; nothing was touched`;
  }
  const counts = countsOf(r);
  // The objects the subsumed steps went with, in the order the undo met them (`netns:w` → netns 'w').
  const objects = [...new Set(r.outcomes.flatMap((o) => o.how === "subsumed" ? [o.item.subsumedBy ?? ""] : []))]
    .filter((o) => o !== "")
    .map((o) => {
      const [type, ...name] = o.split(":");
      return `${type} ${quote(name.join(":"))}`;
    });
  const named = listed(objects);
  return `Undone ${r.run} (${r.label}): ${counts.reverted} step(s) reverted` +
    (counts.subsumed ? `, ${counts.subsumed} went with ${named || "the objects they belong to"}` : "") +
    (counts["already-gone"] ? `, ${counts["already-gone"]} found already reverted (changed by hand?)` : "") +
    (r.handedOver.length ? `, ${r.handedOver.length} kept for later runs` : "");
}

/**
 * Says which runs `undo --all` will undo and which it will not, and why.
 * @param refuses For a dry run: the runs whose undo would refuse to start as the host is now, by id (their
 *   refusal), said beside them.
 * @param leftAlone For a dry run: the runs whose undo would leave steps alone, by id, said beside them.
 * @returns The plan, as given.
 */
function announce(
  plan: UndoAllPlan,
  deps: EngineDeps,
  out: Output,
  refuses: ReadonlyMap<string, unknown> = new Map(),
  leftAlone: ReadonlyMap<string, readonly string[]> = new Map(),
): UndoAllPlan {
  out.progress(`undo --all: ${plan.will.length + plan.wont.length} applied run(s), newest first:`);
  for (const r of plan.will) {
    const stale = r.bootId === deps.bootId ? "" : ": close it, from before a reboot";
    const refused = refuses.has(r.id) ? ", but as the host is now its undo would not start (below)" : "";
    const left = leftAlone.has(r.id)
      ? `, leaving alone ${leftAlone.get(r.id)!.length} step(s) whose object someone else made again (below)`
      : "";
    out.progress(`  will undo ${r.id} (${r.recipe} ${r.label})${stale}${refused}${left}`);
  }
  for (const w of plan.wont) out.progress(`  will NOT undo ${w.run.id} (${w.run.recipe} ${w.run.label}): ${w.why}`);
  return plan;
}

/**
 * `undo --all`: says up front which runs it will undo and which it will not
 * (and why, see `planUndoAll`), then undoes every run it may, newest first,
 * going on past a run it cannot finish. The exit code describes the whole:
 * 0 when every open run was undone; 5 (`UndoError`) when any undo was
 * incomplete or left something alone, since the host then needs attention;
 * else 3 (`PreconditionError`) when some runs were not undone (they are
 * unchanged), even though the others were.
 *
 * @param starting Told of each run before its undo begins.
 * @throws {UndoError} When some undo was incomplete.
 * @throws {PreconditionError} When some runs were not undone and none was incomplete.
 */
async function undoAll(
  runs: RunView[],
  deps: EngineDeps,
  out: Output,
  starting: (run: RunView) => void,
): Promise<void> {
  const { LeftAloneError, leftAloneHint, planUndoAll, undoRun } = await import("../engine/mod.ts");
  const plan = announce(planUndoAll(runs, deps.netns), deps, out);
  const reports: UndoReport[] = [];
  const attention: string[] = [];
  // Whether every run that needs attention was closed all the same (objects left alone): undo has nothing left to do.
  let allClosed = true;
  const refused: { run: RunView; why: string }[] = [...plan.wont];
  for (const [i, t] of plan.will.entries()) {
    // As in undoCommand: read again between two undos, not after the last.
    if (i > 0) runs = await loadRuns(deps);
    starting(t);
    out.progress(`Undoing run ${t.id} (${t.recipe} ${t.label})`);
    expiredNote(t, out);
    try {
      reports.push(await undoRun(runs.find((r) => r.id === t.id)!, runs, deps));
    } catch (e) {
      if (e instanceof UndoError) {
        attention.push(`${t.id} (${t.label}): ${e.message}`);
        if (!(e instanceof LeftAloneError)) allClosed = false;
      } else if (e instanceof PreconditionError) refused.push({ run: t, why: e.message });
      else throw e;
    }
  }
  out.data({
    undone: reports.map(reportData),
    notUndone: refused.map((w) => ({ run: w.run.id, label: w.run.label, why: w.why })),
    incomplete: attention,
  });
  for (const r of reports) out.result(reportLine(r));
  const total = plan.will.length + plan.wont.length;
  const done = `undo --all undid ${reports.length} of ${total} run(s)`;
  const notDone = refused.map((w) => `not undone: ${w.run.id} (${w.run.label}): ${w.why}`);
  const again = "See 'nsrecipe status', fix what it says, then run 'nsrecipe undo --all' again";
  if (attention.length > 0) {
    throw new UndoError(
      `${done}; ${attention.length} need attention`,
      [...attention, ...notDone],
      !allClosed
        ? `${again}.`
        : refused.length === 0
        ? leftAloneHint(false, attention.length > 1)
        : `${again} (the runs that left objects alone are closed: check those objects yourself).`,
    );
  }
  if (refused.length > 0) {
    throw new PreconditionError(
      `${done}; ${refused.length} were not undone and are unchanged:\n  ${notDone.join("\n  ")}`,
      "See 'nsrecipe journal' and 'nsrecipe status' for why; undo those runs once that is fixed.",
    );
  }
}

/**
 * Says, before undoing it, that a run's confirmation expired and it was NOT
 * reverted then (its automatic undo failed), and why.
 */
function expiredNote(r: RunView, out: Output): void {
  const c = confirmationState(r);
  if (c.kind !== "not-reverted") return;
  out.progress(out.paint(
    "yellow",
    `  note: its confirmation expired at ${momentOf(c.deadline, Date.now())}, NOT reverted then: ${c.why}`,
  ));
}

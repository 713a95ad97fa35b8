/**
 * The kill and fail loops: nsrecipe SIGKILLed or failed (through the armed
 * fault hook, `src/engine/faults.ts`) at every point of every step of every
 * scenario, and the host proven restored by snapshot (the steps of a batch,
 * which share their points while applying, in one case that stops at each of
 * them and kills at the last: see `killApply`). One body per loop kind,
 * run by generated test files, one or more per loop kind and scenario (a long
 * loop's cases shared out between files, {@link partOf}; `tests/e2e/faults/`,
 * see `fault_loop_files.ts`), so `deno test --parallel` spreads them over the
 * cores. The cases of a file share a lab while it is
 * proven clean (`shared_lab.ts`); each case ends the confirm watchdog it
 * leaves (full-migrate's) before that check.
 *
 * ## The rollback loops: a linear cover of the f × k product
 *
 * A rollback after step f failed reverts f, f-1, …, 0 (f itself is found
 * never to have taken effect). Two loops hit a point k inside that rollback:
 * a SIGKILL after inverse k, and inverse k failing (k < f). Earlier versions
 * ran every (f, k) pair: n(n+1)/2 and n(n-1)/2 labs for a recipe of n steps,
 * 548 of the suite's ~880. The product proves no more than a linear cover,
 * because what happens at k does not depend on f beyond k:
 *
 * - the host when inverse k runs is the host after steps 0..k, whatever f was
 *   (steps f..k+1 were reverted first, and every revert of them is itself a
 *   covered point);
 * - step k's captured prior state was taken when step k applied, before f
 *   could matter;
 * - the journal differs only in how many steps above k are recorded
 *   `step-undone`, which the undo that finishes the job skips one by one with
 *   the same rule whatever their number.
 *
 * So each rollback loop runs two lines through the product:
 * - **f = the last step, every k**: every point of the rollback, after the
 *   longest rollback (the most steps already reverted above k; every inverse
 *   k runs right after the inverse of k+1 in the same process, the adjacency
 *   where the kernel's asynchronous netns cleanup shows up, K03);
 * - **every f, k = its first inverse** (the kill: k = f, the failing step
 *   itself found never applied; the failure: k = f-1, the first inverse that
 *   runs): every failing step, with a rollback interrupted at once.
 *
 * Every kill point and every fail point of the old product is still hit at
 * least once (`fault_loops_test.ts` checks it), and the kill rows also kill
 * after each rollback outcome is recorded (`after-undo`), which the product
 * never did. 2n-1+n and 2n-3 cases instead of n(n+1)/2 and n(n-1)/2.
 *
 * @module
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import type { ExecResult } from "../../src/exec/mod.ts";
import type { Snapshot } from "../../src/host/mod.ts";
import type { TestLab } from "./lab.ts";
import { selfArgv } from "../../src/lab/mod.ts";
import {
  assertExit,
  assertNoNetnsLeft,
  assertNothingOpen,
  assertSameHost,
  endState,
  endWatchdogs,
  fault,
  journalOf,
  journalText,
  KILLED,
  readPlan,
  type Scenario,
  SCENARIOS,
  sequence,
} from "./reliability.ts";
import { withSharedLab } from "./shared_lab.ts";
import { waitFor } from "./wait.ts";

/** One case of a loop: where the faults strike, and what the case checks. */
export interface FaultPoint {
  /** The case's name, e.g. `kill@after-intent:3 (add veth …)`. */
  name: string;
  /** Faults as the hook takes them, e.g. `["fail@step:4", "kill@after-revert:2"]`. */
  faults: string[];
  /**
   * Runs the case in a clean lab whose host snapshot is `clean`. The host it
   * leaves must be `clean` again: {@link registerFaultLoop} proves it after
   * the case, with the shared lab's own snapshot (`SharedLab.use`'s `sameHost`).
   */
  check(lab: TestLab, clean: Snapshot): Promise<void>;
}

/** A loop kind: its test name and its cases for a scenario whose plan has the given step summaries. */
export interface FaultLoop {
  /** What the loop proves, as the test's name (the recipe is put in front). */
  title: string;
  /**
   * The cases, in order.
   * @param s The scenario.
   * @param steps Its step summaries, in plan order (from {@link readPlan}).
   * @param groups Its steps as they run together, one `ip -batch` per group (from {@link readPlan}).
   */
  points(s: Scenario, steps: readonly string[], groups: readonly (readonly number[])[]): FaultPoint[];
  /** The fewest steps a plan needs for the loop to have a case (default 1). */
  minSteps?: number;
}

const cmd = (s: Scenario) => `run ${s.recipe} ${s.args.join(" ")}`;

/**
 * Undo must finish the job and leave nothing for a second undo: the journal
 * then holds no open run, which is all a second undo reads to say "Nothing to
 * undo" ({@link assertNothingOpen}; a second `undo` process per case proved
 * no more, at one nsrecipe start each). That the host equals the clean one is
 * proven once the case has ended, by the shared lab's check of it
 * (`SharedLab.use`'s `sameHost`, see {@link registerFaultLoop}): the case
 * runs nothing after this, so that snapshot is the host undo left.
 */
async function undoRestores(lab: TestLab, what: string): Promise<void> {
  const undo = await lab.nsrecipe(["--json", "undo"]);
  assertExit(undo, 0, `${what}, then undo`);
  await assertNoNetnsLeft(lab);
  const journal = await journalOf(lab);
  const ends = journal.records.filter((r) => r.kind === "run-end").map((r) => r.state);
  assert.ok(["undone", "rolled-back"].includes(ends.at(-1)!), `the run is closed: ${ends}`);
  assertNothingOpen(journal, `${what}, then undo`);
}

/** Indexes 0..n-1. */
const indexes = (n: number) => [...Array(n).keys()];

/** The last step of the batch that step k runs in (k itself when it runs alone). */
const batchEnd = (groups: readonly (readonly number[])[], k: number) => groups.find((g) => g.includes(k))!.at(-1)!;

/**
 * Runs nsrecipe in the lab with faults that stop it (`stop@…`, SIGSTOP to
 * itself) at `holds` points before the one that kills it, and at each stop
 * reads the journal as it is on disk and the lab host's snapshot, then lets
 * it go on (SIGCONT to nsenter(1), which stopped itself with its child and
 * continues it). Every wait is bounded (90 s).
 * @param lab The lab.
 * @param args nsrecipe's arguments.
 * @param env The armed fault hook ({@link fault}).
 * @param holds How many stops come before the kill.
 * @returns nsrecipe's result (through nsenter), and what each stop saw, in order.
 * @throws {Error} When a stop is not reached, or nsrecipe does not end, in time.
 */
async function runHeld(
  lab: TestLab,
  args: string[],
  env: Record<string, string>,
  holds: number,
): Promise<ExecResult & { seen: { journal: string; snapshot: Snapshot }[] }> {
  const argv = ["env", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...selfArgv(), ...args];
  const started = performance.now();
  const child = lab.spawn(argv);
  const output = child.output();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const seen = [];
    for (let i = 0; i < holds; i++) {
      await waitFor(`nsrecipe to stop (${i + 1} of ${holds})`, async () => {
        const stat = await Deno.readTextFile(`/proc/${child.pid}/stat`).catch(() => "");
        return stat.slice(stat.lastIndexOf(")") + 2).startsWith("T");
      }, 90_000);
      seen.push({ journal: await journalText(lab), snapshot: await lab.snapshot() });
      Deno.kill(child.pid, "SIGCONT");
    }
    const out = await Promise.race([
      output,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("nsrecipe did not end within 90 s")), 90_000);
      }),
    ]);
    const text = (b: Uint8Array) => new TextDecoder().decode(b);
    return {
      argv,
      code: out.code,
      stdout: text(out.stdout),
      stderr: text(out.stderr),
      durationMs: performance.now() - started,
      seen,
    };
  } finally {
    clearTimeout(timer);
    try {
      child.kill("SIGKILL"); // only when it is still there (a failed wait): it has exited otherwise
    } catch { /* it has exited */ }
    await output.catch(() => {});
  }
}

/**
 * SIGKILL while applying: after each step's write-ahead record, after its command, after it is recorded done.
 *
 * A batch's steps share these points (`apply_batch.ts`): the intents of the whole batch are written before its
 * first `after-intent` point, nothing is written or run between one step's point and the next's, and the same
 * holds for `after-command` (only reads, to verify) and `after-done` (the done records of the batch come first).
 * So for each phase a batch is one case: nsrecipe is stopped at the point of each of its steps but the last,
 * where the journal on disk and the host are read and must be the same at every one, and killed at the last's;
 * the host and journal it leaves must be those seen at every stop. Every step's point is reached, and the
 * recovery from the one state they share is proven, which is what a kill at any of them leaves (a kill discards
 * the process and keeps only the journal and the host). A step alone is killed at its point, as before.
 */
const killApply: FaultLoop = {
  title:
    "SIGKILL after each step's write-ahead record, after its command, and after it is recorded done; undo restores the host",
  points: (s, steps, groups) =>
    (["after-intent", "after-command", "after-done"] as const).flatMap((phase) =>
      groups.map((g): FaultPoint => {
        const k = g.at(-1)!;
        const held = g.slice(0, -1);
        const shared = held.length > 0 ? `; stopped first at ${phase}:${held.join(",")}, the batch's same point` : "";
        return {
          name: `kill@${phase}:${k} (${steps[k]}${shared})`,
          faults: [...held.map((i) => `stop@${phase}:${i}`), `kill@${phase}:${k}`],
          async check(lab) {
            const args = ["run", s.recipe, ...s.args];
            const run = await runHeld(lab, args, fault(...this.faults), held.length);
            assertExit(run, KILLED, cmd(s));
            assert.equal(run.seen.length, held.length);
            const journalText0 = await journalText(lab);
            const now = await lab.snapshot();
            for (const [i, at] of run.seen.entries()) {
              assert.equal(at.journal, journalText0, `the journal at ${phase}:${held[i]} is the one the kill left`);
              assertSameHost(now, at.snapshot, `killed at ${phase}:${k}, against the stop at ${phase}:${held[i]}`);
            }
            const journal = await journalOf(lab);
            assert.deepEqual(journal.problems, []);
            const seq = sequence(journal.records);
            // A batched step's records are written with its batch's: the last is the batch's last step's.
            assert.equal(seq.at(-1), phase === "after-done" ? `step-done#${k}` : `step-intent#${k}`);
            assert.ok(!seq.includes("run-end"), "the killed run has no end record");
            const status = await lab.nsrecipe(["--json", "status"]);
            assertExit(status, 0, "status");
            const [st] = JSON.parse(status.stdout).runs;
            assert.equal(st.state, "applying");
            assert.ok(st.notes.some((n: string) => /interrupted while applying/.test(n)), st.notes.join("\n"));
            await undoRestores(lab, this.name);
          },
        };
      })
    ),
};

/**
 * SIGKILL inside a batch of steps run as one `ip -batch`: after the lines of
 * each of its steps but the last ran. The journal holds the intents of the
 * whole batch and no done record; undo reverts exactly those that took effect.
 */
const killBatch: FaultLoop = {
  title: "SIGKILL inside an ip -batch after each of its steps' lines ran; undo reverts exactly those that took effect",
  points: (s, steps, groups) =>
    groups.filter((g) => g.length > 1).flatMap((g) =>
      g.slice(0, -1).map((k): FaultPoint => ({
        name: `kill@in-batch:${k} (${steps[k]}; batch ${g[0]}..${g.at(-1)})`,
        faults: [`kill@in-batch:${k}`],
        async check(lab, clean) {
          const run = await lab.nsrecipe(["run", s.recipe, ...s.args], fault(...this.faults));
          assertExit(run, KILLED, cmd(s));
          const journal = await journalOf(lab);
          assert.deepEqual(journal.problems, []);
          const seq = sequence(journal.records);
          assert.equal(seq.at(-1), `step-intent#${g.at(-1)}`, seq.join(" "));
          for (const i of g) {
            assert.ok(seq.includes(`step-intent#${i}`), `the intent of ${i} is recorded: ${seq.join(" ")}`);
            assert.ok(!seq.includes(`step-done#${i}`), `no done record of ${i}: ${seq.join(" ")}`);
          }
          assert.notDeepEqual(await lab.snapshot(), clean, "the batch's first lines changed the host");
          await undoRestores(lab, this.name);
        },
      }))
    ),
};

/**
 * SIGKILL while undoing: after each inverse ran, and after its outcome is recorded. Undo now runs
 * consecutive `ip` inverses as one batch and records steps subsumed by a later deletion without an
 * inverse (RELIABILITY.md section 1); the records still come one per step, newest first, each between
 * its `after-revert` and `after-undo` points, so the expected last record is unchanged. What differs is
 * the host at `after-revert` of a batched step: every inverse of its batch has run, and the undo that
 * finishes the job finds them already gone.
 */
const killUndo: FaultLoop = {
  title: "SIGKILL during undo after each inverse ran and after it is recorded; undo again restores the host",
  points: (s, steps) =>
    (["after-revert", "after-undo"] as const).flatMap((phase) =>
      steps.map((summary, k): FaultPoint => ({
        name: `kill@${phase}:${k} (${summary})`,
        faults: [`kill@${phase}:${k}`],
        async check(lab) {
          assertExit(await lab.nsrecipe(["run", s.recipe, ...s.args]), 0, cmd(s));
          // The run's last record: its run-end, or the confirm-wait of full-migrate's window that follows it.
          const applied = sequence((await journalOf(lab)).records).at(-1);
          const undo = await lab.nsrecipe(["undo"], fault(...this.faults));
          assertExit(undo, KILLED, "undo");
          const seq = sequence((await journalOf(lab)).records);
          // Undo goes newest first: the last record is this step's outcome, or the one before it.
          const last = phase === "after-undo"
            ? `step-undone#${k}`
            : k + 1 < steps.length
            ? `step-undone#${k + 1}`
            : applied;
          assert.equal(seq.at(-1), last, seq.join(" "));
          await undoRestores(lab, this.name);
        },
      }))
    ),
};

/**
 * SIGKILL during the rollback of a failed step (see the module doc for the cover):
 * the last step fails and the kill comes after each rollback outcome (ran, and recorded);
 * every step fails and the kill comes right after its own outcome.
 */
const killRollback: FaultLoop = {
  title: "SIGKILL during the rollback of a failed step; undo finishes it and restores the host",
  points: (s, steps) => {
    const last = steps.length - 1;
    const pairs: [number, "after-revert" | "after-undo", number][] = [
      ...(["after-revert", "after-undo"] as const).flatMap((phase) =>
        indexes(steps.length).reverse().map((k): [number, typeof phase, number] => [last, phase, k])
      ),
      ...indexes(last).map((f): [number, "after-revert", number] => [f, "after-revert", f]),
    ];
    return pairs.map(([failing, phase, k]): FaultPoint => ({
      name: `fail@step:${failing} + kill@${phase}:${k}`,
      faults: [`fail@step:${failing}`, `kill@${phase}:${k}`],
      async check(lab) {
        const run = await lab.nsrecipe(["run", s.recipe, ...s.args], fault(...this.faults));
        assertExit(run, KILLED, cmd(s));
        const seq = sequence((await journalOf(lab)).records);
        assert.ok(seq.includes(`step-failed#${failing}`), seq.join(" "));
        assert.ok(!seq.includes("run-end"), `the killed rollback has no end record: ${seq.join(" ")}`);
        await undoRestores(lab, `rollback killed at ${phase}:${k}`);
      },
    }));
  },
};

/** A step that fails (its command, or the check of its effect) is rolled back. */
const failApply: FaultLoop = {
  title:
    "a step that fails (its command, or the check after it) is rolled back with every step before it: exit 4, host as before, journal says step-failed and rolled-back",
  points: (s, steps, groups) =>
    (["step", "after-command"] as const).flatMap((phase) =>
      steps.map((summary, k): FaultPoint => ({
        name: `fail@${phase}:${k} (${summary})`,
        faults: [`fail@${phase}:${k}`],
        async check(lab) {
          const run = await lab.nsrecipe(["run", s.recipe, ...s.args, "--", "true"], fault(...this.faults));
          assertExit(run, EXIT.rolledBack, cmd(s));
          assert.match(run.stderr, new RegExp(`Step ${k + 1} \\(.*\\) failed: .*injected failure`));
          assert.match(run.stderr, /Every step done before it was rolled back/);
          // The host as before: proven by the shared lab's check once the case ends (registerFaultLoop).
          await assertNoNetnsLeft(lab);
          const journal = await journalOf(lab);
          assert.deepEqual(journal.problems, []);
          const seq = sequence(journal.records);
          assert.ok(seq.includes(`step-failed#${k}`), seq.join(" "));
          assert.equal(seq.at(-1), "run-end");
          assert.equal(endState(journal.records), "rolled-back");
          // Every step that may have taken effect was reverted (or found never to have): up to k, or, after the
          // commands ran, up to the last of k's batch (they all ran); a batched step after k that never ran is not.
          const undone = seq.filter((x) => x.startsWith("step-undone#")).map((x) => Number(x.split("#")[1]));
          assert.deepEqual(undone, indexes((phase === "step" ? k : batchEnd(groups, k)) + 1).reverse());
          // Nothing left open: status would say "No applied runs", a second undo "Nothing to undo".
          assertNothingOpen(journal, this.name);
        },
      }))
    ),
};

/**
 * An inverse that fails during undo. For a batched step the failure cuts the batch there (the steps
 * before it in the batch run and are recorded); for a step subsumed by a later deletion, `fail@undo`
 * fails its record as `subsumed` all the same, so every step still has a point where undo stops.
 */
const failUndo: FaultLoop = {
  title: "an inverse step that fails during undo gives exit 5, keeps the run open, and a second undo finishes it",
  points: (s, steps) =>
    steps.map((summary, k): FaultPoint => ({
      name: `fail@undo:${k} (${summary})`,
      faults: [`fail@undo:${k}`],
      async check(lab) {
        assertExit(await lab.nsrecipe(["run", s.recipe, ...s.args]), 0, cmd(s));
        const undo = await lab.nsrecipe(["undo"], fault(...this.faults));
        assertExit(undo, EXIT.attention, "undo with a failing inverse");
        assert.match(undo.stderr, /could not revert 1 step\(s\)/);
        assert.ok(undo.stderr.includes(summary), undo.stderr);
        assert.match(undo.stderr, /run 'nsrecipe undo' again/);
        const seq = sequence((await journalOf(lab)).records);
        assert.ok(seq.includes(`step-undo-failed#${k}`), seq.join(" "));
        const status = JSON.parse((await lab.nsrecipe(["--json", "status"])).stdout);
        assert.equal(status.runs[0].state, "incomplete");
        assert.ok(status.runs[0].notes.some((n: string) => n.includes("undo failed")), status.runs[0].notes);
        // The second undo finishes it: the host as before, and the run closed (not left incomplete).
        await undoRestores(lab, `${this.name}, then undo`);
      },
    })),
};

/**
 * An inverse that fails during the rollback of a failed step (see the module doc for the cover):
 * the last step fails and each earlier inverse fails; every step fails and its first inverse fails.
 */
const failRollback: FaultLoop = {
  title: "a rollback that cannot revert a step gives exit 5 and names it; undo finishes the rollback",
  minSteps: 2, // a rollback that runs an inverse needs a step before the failing one
  points: (s, steps) => {
    const last = steps.length - 1;
    const pairs: [number, number][] = [
      ...indexes(last).reverse().map((k): [number, number] => [last, k]),
      ...indexes(last).slice(1).map((f): [number, number] => [f, f - 1]),
    ];
    return pairs.map(([failing, k]): FaultPoint => ({
      name: `fail@step:${failing} + fail@undo:${k}`,
      faults: [`fail@step:${failing}`, `fail@undo:${k}`],
      async check(lab) {
        const run = await lab.nsrecipe(["run", s.recipe, ...s.args], fault(...this.faults));
        assertExit(run, EXIT.attention, cmd(s));
        assert.match(run.stderr, /Rollback of run '.*' could not revert 1 step\(s\)/);
        assert.ok(run.stderr.includes(steps[k]), run.stderr);
        const journal = await journalOf(lab);
        assert.equal(endState(journal.records), "incomplete");
        // Undo finishes the rollback: the host as before, and the run closed (not left incomplete).
        await undoRestores(lab, `${this.name}, then undo`);
      },
    }));
  },
};

/** Every loop kind, by the name its generated test files carry. */
export const FAULT_LOOPS = {
  "kill-apply": killApply,
  "kill-batch": killBatch,
  "kill-undo": killUndo,
  "kill-rollback": killRollback,
  "fail-apply": failApply,
  "fail-undo": failUndo,
  "fail-rollback": failRollback,
} as const satisfies Record<string, FaultLoop>;

/** The name of a loop kind. */
export type FaultLoopName = keyof typeof FAULT_LOOPS;

/**
 * One of the files that share out a loop's cases: the file at `index`
 * (0-based) of `of` files runs the cases whose position in the loop, counted
 * from 0, leaves `index` when divided by `of` (see {@link partOf}).
 */
export interface LoopPart {
  /** This file's share, `0 <= index < of`. */
  index: number;
  /** How many files share the loop (1: one file runs every case). */
  of: number;
}

/** The one part of a loop run by a single file. */
export const WHOLE: LoopPart = { index: 0, of: 1 };

/**
 * Checks a part.
 * @param part The part.
 * @throws {RangeError} Unless `of` is a positive integer and `index` an integer in `[0, of)`.
 */
export function checkPart(part: LoopPart): void {
  const { index, of } = part;
  if (!Number.isInteger(of) || of < 1 || !Number.isInteger(index) || index < 0 || index >= of) {
    throw new RangeError(`a loop part is index 0..of-1 of a positive integer of; got index ${index} of ${of}`);
  }
}

/**
 * The cases of one part: every `of`-th case starting at `index`. The parts of
 * a loop together hold each case exactly once, and their sizes differ by at
 * most one; dealt in turn, cases that cost alike (the same phase at nearby
 * steps, e.g. full-migrate's waits for its bridge) go to different parts.
 * @param cases The loop's cases, in order.
 * @param part The part.
 * @returns Its cases, in loop order.
 * @throws {RangeError} When the part is invalid (see {@link checkPart}).
 */
export function partOf<T>(cases: readonly T[], part: LoopPart): T[] {
  checkPart(part);
  return cases.filter((_, i) => i % part.of === part.index);
}

/**
 * Registers one `Deno.test` that runs a loop kind over one scenario, every
 * case in a shared lab (a fresh one after any case that leaves it dirty or
 * fails). The plan is read once, in that lab. Fails, rather than passing
 * empty, when the scenario is unknown, has no steps, or the loop yields no
 * case for a plan long enough to have one (`minSteps`: a one-step plan has no
 * inverse that can fail during a rollback, and the test says exactly that).
 * A long loop is run by several files, each a {@link LoopPart} of its cases
 * (see {@link partOf}), so `deno test --parallel` runs the parts at once; each
 * part reads the whole plan, and has no case only when the loop has fewer
 * cases than the part's position (the earlier parts then run them all).
 * @param loop The loop kind.
 * @param recipe The scenario's recipe (a key of {@link SCENARIOS}).
 * @param part Which share of the cases this file runs (default: all of them).
 * @throws {RangeError} When `part` is not one of `of` shares (`0 <= index < of`, both integers).
 */
export function registerFaultLoop(loop: FaultLoopName, recipe: string, part: LoopPart = WHOLE): void {
  checkPart(part);
  const s = SCENARIOS.find((x) => x.recipe === recipe);
  const title = `${recipe}: ${FAULT_LOOPS[loop].title}${part.of > 1 ? ` (part ${part.index + 1} of ${part.of})` : ""}`;
  Deno.test(title, (t) =>
    withSharedLab(async (labs) => {
      assert.ok(s, `'${recipe}' is in SCENARIOS`);
      const { summaries: steps, groups } = await labs.use((lab) => readPlan(lab, s));
      assert.ok(steps.length > 0, `${recipe} has steps`);
      assert.deepEqual(groups.flat(), indexes(steps.length), "the batches cover every step once, in order");
      const points = FAULT_LOOPS[loop].points(s, steps, groups);
      const { minSteps = 1 } = FAULT_LOOPS[loop] as FaultLoop;
      if (steps.length < minSteps) {
        assert.deepEqual(points, [], `${loop} has no case for a plan of ${steps.length} step(s)`);
        return;
      }
      if (loop === "kill-batch" && groups.every((g) => g.length === 1)) {
        assert.deepEqual(points, [], `${recipe} runs no batch, so ${loop} has no case`);
        return;
      }
      assert.ok(points.length > 0, `${loop} has cases for ${recipe}`);
      const mine = partOf(points, part);
      if (mine.length === 0) {
        // Fewer cases than parts (e.g. a short loop split like the long ones): the earlier parts hold them all.
        assert.ok(points.length <= part.index, `part ${part.index + 1} of ${part.of} of ${points.length} case(s)`);
        return;
      }
      let ran = 0;
      for (const p of mine) {
        // The host the case leaves must be the clean one: the shared lab's check proves it with the snapshot it
        // takes anyway (one snapshot per case, not two), and fails the case with the difference otherwise.
        await t.step(p.name, () =>
          labs.use(async (lab, clean) => {
            await p.check(lab, clean);
            await endWatchdogs(lab);
          }, `${recipe} ${p.name}, once the case ended`));
        ran++;
      }
      assert.equal(ran, mine.length);
    }));
}

/**
 * Killed at a random moment, not only between steps: nsrecipe (its process
 * group; an `ip` it has running finishes its request) is SIGKILLed after a random
 * delay while it applies or undoes each recipe, and `undo` afterwards must
 * restore the lab host's snapshot exactly. The delays come from a seeded
 * generator; the seed is in each test's name, and `NSRECIPE_TEST_SEED=N`
 * replays a run.
 * Each delay is drawn between 0 and the time the same command took unkilled
 * in that lab, so kills land in Deno's start-up, in planning, inside a step's
 * `ip` and between records.
 *
 * One test file per recipe (`tests/e2e/random_kill_*_test.ts`), so that
 * `deno test --parallel` spreads them over the cores.
 *
 * @module
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import type { ExecResult } from "../../src/exec/mod.ts";
import { selfArgv } from "../../src/lab/mod.ts";
import type { TestLab } from "./lab.ts";
import { assertExit, assertSameHost, endWatchdogs, journalOf, KILLED, SCENARIOS } from "./reliability.ts";
import { withSharedLab } from "./shared_lab.ts";

/** Trials per recipe and per command (run, undo). */
export const TRIALS = 3;

/** How many times a trial whose command ended before its kill is tried again, each time with half the delay. */
const RETRIES = 3;

const SEED = Number(Deno.env.get("NSRECIPE_TEST_SEED") ?? Math.floor(Math.random() * 2 ** 31));

/** mulberry32: a small seeded generator of floats in [0, 1). */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** What {@link killedAfter} says when a command nsrecipe started outlives its bound. */
const LEFTOVER = "a command nsrecipe started is still running 10 s after the kill";

/**
 * Runs nsrecipe in the lab in a session of its own (setsid(1): it leads a new
 * process group) and, after `delayMs`, SIGKILLs the whole group. A command
 * that ended first is not killed. An `ip` (or other captured command) it had
 * running leads a session of its own (src/exec/runner.ts) and finishes its one
 * request; this waits (at most 10 s) until no such session leader is left, so
 * that the next command sees the host as that request left it, and fails
 * (exit 125, {@link LEFTOVER} on stderr) if one is still running then.
 */
function killedAfter(lab: TestLab, delayMs: number, args: string[]): Promise<ExecResult> {
  // ps: a living session leader (pid = sid) other than the lab's init and nsrecipe's watchdog (deno) is such a
  // command. A zombie (state Z) is one that has ended: orphaned by the kill, it stays a zombie of the lab's PID 1,
  // which does not reap (lab.ts), and waiting for it to go would wait out the whole bound.
  const leftover = "ps -eo pid=,sid=,stat=,comm= | " +
    "awk '$1 == $2 && $1 != 1 && $3 !~ /^Z/ && $4 != \"deno\" { f = 1 } END { exit !f }'";
  const script = 'd=$1; shift; setsid "$@" & p=$!; sleep "$d"; ' +
    'kill -KILL -- -"$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null; wait "$p"; c=$?; ' +
    `n=0; while [ $n -lt 200 ] && ${leftover}; do sleep 0.05; n=$((n + 1)); done; ` +
    `if ${leftover}; then echo "${LEFTOVER}" >&2; exit 125; fi; exit $c`;
  return lab.sh(["sh", "-c", script, "sh", (delayMs / 1000).toFixed(3), ...selfArgv(), ...args]);
}

/** How long a command takes in the lab, unkilled, in ms. */
async function timed(lab: TestLab, args: string[]): Promise<number> {
  const t0 = performance.now();
  assertExit(await lab.nsrecipe(args), EXIT.ok, args.join(" "));
  return performance.now() - t0;
}

/** `undo` until done: exit 0, the host as clean, the journal closed, a second undo has nothing to do. */
async function undoRestores(lab: TestLab, clean: Awaited<ReturnType<TestLab["snapshot"]>>, what: string) {
  assertExit(await lab.nsrecipe(["undo"]), EXIT.ok, `${what}, then undo`);
  assertSameHost(await lab.snapshot(), clean, `${what}, then undo`);
  const journal = await journalOf(lab);
  assert.deepEqual(journal.problems, [], `${what}: the journal reads cleanly`);
  const again = await lab.nsrecipe(["undo"]);
  assertExit(again, EXIT.ok, `${what}: a second undo`);
  assert.match(again.stdout, /Nothing to undo/);
  // full-migrate's confirm watchdog outlives the undo; ended, it leaves the shared lab clean for the next case.
  await endWatchdogs(lab);
}

/**
 * Registers the random-kill test of one scenario.
 * @param recipe The scenario's recipe (a key of {@link SCENARIOS}).
 */
export function registerRandomKill(recipe: string): void {
  const n = SCENARIOS.findIndex((x) => x.recipe === recipe);
  const s = SCENARIOS[n];
  if (!s) throw new Error(`'${recipe}' is not in SCENARIOS`);
  const run = ["run", s.recipe, ...s.args];
  Deno.test(`${s.recipe}: SIGKILL at a random moment of run and of undo (${TRIALS} trials each; seed ${SEED}, replay with NSRECIPE_TEST_SEED=${SEED}); undo restores the host`, (t) =>
    withSharedLab(async (labs) => {
      const random = generator(SEED + n);
      const { runMs, undoMs } = await labs.use(async (lab, clean) => {
        const runMs = await timed(lab, run);
        const undoMs = await timed(lab, ["undo"]);
        assertSameHost(await lab.snapshot(), clean, "run and undo, unkilled");
        await endWatchdogs(lab);
        return { runMs, undoMs };
      });
      let killedRuns = 0, killedUndos = 0;
      // A trial whose command ends before its kill (a delay drawn near the unkilled duration, or a machine less busy
      // than when that was measured) is tried again with half the delay, at most RETRIES times.
      for (let i = 0; i < TRIALS; i++) {
        const delay = Math.round(random() * runMs);
        await t.step(
          `run killed after ${delay} ms (of ${Math.round(runMs)}; halved while the run ends first)`,
          () =>
            labs.use(async (lab, clean) => {
              for (let d = delay, tries = 0; tries <= RETRIES; d = Math.floor(d / 2), tries++) {
                const r = await killedAfter(lab, d, run);
                if (r.code !== KILLED) assertExit(r, EXIT.ok, `${run.join(" ")} (ended before the kill)`);
                await undoRestores(lab, clean, `run killed after ${d} ms`);
                if (r.code === KILLED) {
                  killedRuns++;
                  break;
                }
              }
            }),
        );
      }
      for (let i = 0; i < TRIALS; i++) {
        const delay = Math.round(random() * undoMs);
        await t.step(
          `undo killed after ${delay} ms (of ${Math.round(undoMs)}; halved while the undo ends first)`,
          () =>
            labs.use(async (lab, clean) => {
              for (let d = delay, tries = 0; tries <= RETRIES; d = Math.floor(d / 2), tries++) {
                assertExit(await lab.nsrecipe(run), EXIT.ok, run.join(" "));
                const r = await killedAfter(lab, d, ["undo"]);
                if (r.code !== KILLED) assertExit(r, EXIT.ok, "undo (ended before the kill)");
                await undoRestores(lab, clean, `undo killed after ${d} ms`);
                if (r.code === KILLED) {
                  killedUndos++;
                  break;
                }
              }
            }),
        );
      }
      // Delays are drawn below the unkilled duration and halved on escape, so nearly every trial kills; all escaping
      // would mean no test.
      assert.ok(killedRuns + killedUndos > 0, `at least one trial killed nsrecipe (seed ${SEED})`);
    }));
}

import type { Recipe } from "../../recipes/mod.ts";
import { applyRun, loadRuns, newRunId, undoRun } from "../engine/mod.ts";
import { onOwnTerminal, OWN_TERMINAL_PROGRAMS, runInteractive, spawnDetached } from "../exec/mod.ts";
import { selfArgv } from "../lab/mod.ts";
import { awaitTtyConfirmation } from "./confirm.ts";
import { gatherFacts } from "../host/mod.ts";
import { gatherDoctorFacts, preflightError, runPreflight } from "../doctor/mod.ts";
import { Journal } from "../journal/mod.ts";
import { assertRoot, engineDeps, type GlobalOptions, runnerFor } from "./context.ts";
import type { Output } from "./output.ts";
import { EXIT } from "../errors.ts";
import { WATCHDOG_COMMAND } from "./watchdog.ts";
import { printPlan } from "./plan.ts";
import { assertExecutable, assertPrograms, BASE_PROGRAMS, programsFor } from "./preflight.ts";

/** Options of `run` besides the recipe's own. */
export interface RunOptions {
  /** Undo the run when the shell or command exits. */
  rm: boolean;
  /** Shell started when no command is given and stdin is a TTY. */
  shell: string;
  /** Confirmation window in seconds; 0 for none, `undefined` for the recipe's default. */
  confirm?: number;
}

/**
 * `nsrecipe run RECIPE [opts] [-- CMD...]`: plans, applies through the
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
  const run = runnerFor(out);
  const onTty = Deno.stdin.isTerminal();
  // With --json no shell is opened (its screen would be stdout): a run without a command only sets up.
  const argv = command.length > 0 ? command : onTty && !g.json ? [opts.shell] : [];
  if (g.dryRun) {
    const plan = recipe.plan(params, await gatherFacts(run));
    out.progress("Dry run: nothing will be changed. These are the commands 'run' would execute:");
    printPlan(recipe, plan, out);
    return 0;
  }
  assertRoot();
  await assertPrograms(run, BASE_PROGRAMS);
  let runId = "";
  let label = "";
  let enter: string[] = [];
  const confirmSeconds = opts.confirm ?? (recipe.confirmSeconds && Deno.stdin.isTerminal() ? recipe.confirmSeconds : 0);
  let journal = await Journal.open(g.stateDir, (l) => out.progress(l));
  try {
    if (journal.repaired) out.progress(out.paint("yellow", journal.repaired));
    const doctorFacts = await gatherDoctorFacts(run, {
      uplink: typeof params.uplink === "string" ? params.uplink : undefined,
    });
    // Whether `ip` and `unshare` can be started at all is checked below for exactly what this plan needs
    // (preflight.ts: a setup-only run does not need unshare); doctor's checks judge their versions.
    const unstartable = new Set([
      ...(doctorFacts.ipVersion.ok ? [] : ["ip"]),
      ...(doctorFacts.unshareVersion.ok ? [] : ["unshare"]),
    ]);
    const findings = runPreflight(recipe, params, doctorFacts).filter((f) => !unstartable.has(f.id));
    for (const f of findings.filter((f) => f.verdict === "warn")) {
      out.progress(out.paint("yellow", `Warning: ${f.summary}${f.fix ? `\n  ${f.fix}` : ""}`));
    }
    const refusal = preflightError(findings);
    if (refusal) throw refusal;
    const plan = recipe.plan(params, await gatherFacts(run));
    for (const n of plan.notes) out.progress(out.paint("yellow", `Note: ${n}`));
    label = plan.label;
    enter = plan.enter;
    await assertPrograms(run, programsFor(plan.steps, argv.length > 0 ? plan.enter : []));
    if (argv.length > 0) {
      // On a TTY the command gets a pseudo-terminal of its own (src/exec/terminal.ts), through env and script.
      await assertExecutable(
        run,
        [...(onTty ? OWN_TERMINAL_PROGRAMS : []), argv[0]],
        Deno.env.get("PATH") ?? "",
        (p) => command.length === 0 && p === opts.shell ? `--shell '${p}'` : `'${p}'`,
      );
    }
    if (plan.steps.length > 0) {
      const id = newRunId();
      // The watchdog starts before the first step: if the session drops (or nsrecipe is killed) during the
      // switch itself, the change is still undone when the window closes.
      const watchdogPid = confirmSeconds > 0
        ? spawnDetached(
          [
            "setsid",
            ...selfArgv(),
            "--state-dir",
            g.stateDir,
            WATCHDOG_COMMAND,
            id,
            String(Date.now() + confirmSeconds * 1000),
          ],
          out.verbose ? (l) => out.progress(out.paint("dim", l)) : undefined,
        )
        : 0;
      runId = await applyRun(
        {
          id,
          recipe: recipe.name,
          label: plan.label,
          params,
          uses: plan.uses,
          handover: plan.handover,
          steps: plan.steps,
        },
        await engineDeps(journal, run, out),
      );
      out.progress(out.paint("green", `Applied run ${runId} (${label}). Undo with: nsrecipe undo ${label}`));
      if (confirmSeconds > 0) {
        // The window runs from now; the watchdog reads this later deadline from the journal.
        const deadline = Date.now() + confirmSeconds * 1000;
        await journal.append({ kind: "confirm-wait", run: runId, deadline, watchdogPid });
        out.progress(out.paint(
          "yellow",
          `Confirm within ${confirmSeconds} s or the change is undone: ${
            Deno.stdin.isTerminal() ? "type 'yes' here, or " : ""
          }run 'nsrecipe confirm ${runId}' from any session.`,
        ));
      }
    }
  } finally {
    journal.close();
  }
  out.data({ run: runId || null, label, enter, confirmSeconds });
  if (runId && confirmSeconds > 0 && Deno.stdin.isTerminal()) {
    const kept = await awaitTtyConfirmation(runId, confirmSeconds, g, out);
    if (!kept) return EXIT.rolledBack;
  }
  if (argv.length === 0) {
    if (runId) out.result(runId);
    return 0;
  }
  const code = await runInteractive(
    [...enter, ...(onTty ? onOwnTerminal(argv, { SHELL: Deno.env.get("SHELL") }) : argv)],
    out.verbose ? (l) => out.progress(out.paint("dim", l)) : undefined,
    { stdoutToStderr: g.json },
  );
  out.data({ command: { argv, exitCode: code } });
  out.exitIsCommands();
  if (opts.rm && runId) {
    journal = await Journal.open(g.stateDir, (l) => out.progress(l));
    try {
      const deps = await engineDeps(journal, run, out);
      const runs = await loadRuns(deps);
      const target = runs.find((r) => r.id === runId);
      if (target) await undoRun(target, runs, deps);
      out.progress(`Undone run ${runId} (--rm).`);
    } finally {
      journal.close();
    }
  }
  return code;
}

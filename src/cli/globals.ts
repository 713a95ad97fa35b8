/**
 * The global options as a command uses them, from the values commander (or
 * the fast path, `fast_parse.ts`) parsed; the places each command may act.
 * Nothing here imports commander.
 *
 * @module
 */
import { UsageError } from "../errors.ts";
import { DEFAULT_STATE_DIR } from "../journal/paths.ts";
import type { GlobalOptions } from "./composition_root.ts";
import { Output } from "./output.ts";
import type { OwnFactsAhead } from "./process_facts.ts";

/** Commands that run things and have no dry run: `--dry-run` is refused for them rather than ignored. */
const ACTS_WITHOUT_DRY_RUN: ReadonlySet<string> = new Set(["exec", "shell", "lab"]);

/**
 * The global options and the invocation's output, for a command.
 * @param o The parsed options, global ones among them (commander's `optsWithGlobals()`), e.g.
 *   `{ stateDir: "/var/lib/nsrecipe", json: true, color: true }`.
 * @returns The options and the output.
 */
export function readGlobals(o: Record<string, unknown>): { g: GlobalOptions; out: Output } {
  // Colours only on a terminal, each stream on its own, never with NO_COLOR (https://no-color.org) or
  // --no-color. Decided here, so that styleText need not probe the dozen CI and terminal variables Node's
  // getColorDepth reads.
  const allowed = o.color !== false && !Deno.env.get("NO_COLOR");
  const colours = { stdout: allowed && Deno.stdout.isTerminal(), stderr: allowed && Deno.stderr.isTerminal() };
  const g: GlobalOptions = {
    stateDir: String(o.stateDir ?? DEFAULT_STATE_DIR),
    json: o.json === true,
    verbose: o.verbose === true,
    dryRun: o.dryRun === true,
    color: colours.stderr,
  };
  const out = new Output(g.json, colours, g.verbose);
  out.stateDir = g.stateDir;
  return { g, out };
}

/**
 * Refuses `--dry-run` for a command that has none.
 * @param top The top-level command word (`run` for `run netns`).
 * @param g The global options.
 * @throws {UsageError} For `--dry-run` with a command that would run for real under it.
 */
export function refuseDryRun(top: string, g: GlobalOptions): void {
  if (g.dryRun && ACTS_WITHOUT_DRY_RUN.has(top)) {
    // Ignoring it would run things for real under a flag that promises nothing runs.
    throw new UsageError(
      `--dry-run does not apply to '${top}': it would run for real`,
      `'nsrecipe ${top} --help' lists the global options it honours.`,
    );
  }
}

/**
 * Refuses a command that reads or changes the host inside a run's shell,
 * and (with `journal`) from another network namespace than the journal's
 * applied runs (`where.ts`).
 * @param g The global options.
 * @param out The invocation's output (its runner logs with `--verbose`).
 * @param journal Whether the command acts on the journal's runs.
 * @throws {PreconditionError} From `where.ts`, when the command may not run here.
 */
export async function refuseElsewhere(g: GlobalOptions, out: Output, journal: boolean): Promise<void> {
  const where = await import("./where.ts");
  if (!journal) return where.refuseInsideRun();
  const { runnerFor } = await import("./composition_root.ts");
  await where.refuseElsewhere(g.stateDir, runnerFor(out));
}

/**
 * Readies a command that acts on the host: reads ahead the facts of this
 * process it will need (`ahead`, each kind in one process, with the network
 * namespace {@link refuseElsewhere} may ask for; not with `--dry-run`), then
 * refuses where it may not run.
 * @param made The command's global options and output ({@link readGlobals}).
 * @param journal Whether the command acts on the journal's runs.
 * @param ahead This process's facts the command will read (`process_facts.ts`).
 * @throws {PreconditionError} From {@link refuseElsewhere}.
 */
export async function actOnHost(
  made: { g: GlobalOptions; out: Output },
  journal: boolean,
  ahead?: OwnFactsAhead,
): Promise<void> {
  if (ahead && !made.g.dryRun) {
    const [{ prefetchOwnFacts }, { readerFor }, { earlyReader }] = await Promise.all([
      import("./process_facts.ts"),
      import("./composition_root.ts"),
      import("./early_reads.ts"),
    ]);
    // Reads before any change: in nsrecipe's session, as the rest of run's first look (early_reads.ts).
    prefetchOwnFacts(earlyReader(readerFor(made.out)), ahead);
  }
  await refuseElsewhere(made.g, made.out, journal);
}

/**
 * What `run` and `plan` both decide from the command line before any step:
 * the confirmation window's length and the options that cannot apply to a
 * plan. Pure; one place for both commands (`plan` shows what `run` would do).
 *
 * @module
 */
import { UsageError } from "../errors.ts";
import type { GatherOptions } from "../host/mod.ts";

/**
 * What `run` and `plan` look at on the host for a recipe's plan (pure): the
 * uplink its parameters name, the uplink's settings only for a recipe that
 * moves it, the firewall, IPv6 rules and other namespaces' addresses only
 * for one that wires links (`HostNeeds`), and IPv4 forwarding only for one
 * that routes the namespace out (veth-bridge `--nat`).
 * @param recipe The recipe (its needs and targets).
 * @param params Its parsed parameters.
 * @returns The options for `gatherFacts` (and doctor's gathering).
 */
export function factsToGather(
  recipe: {
    needs: { movesUplink: boolean; wires: boolean };
    targets(p: Record<string, unknown>): { uplink?: string; routes?: boolean };
  },
  params: Record<string, unknown>,
): Pick<GatherOptions, "uplink" | "linkSettings" | "wiring" | "forwarding"> {
  const targets = recipe.targets(params);
  return {
    uplink: targets.uplink,
    linkSettings: recipe.needs.movesUplink,
    wiring: recipe.needs.wires,
    forwarding: targets.routes === true,
  };
}

/**
 * How long the confirmation window of a run is (pure). `--confirm S` gives S,
 * `--no-confirm` none; otherwise the recipe's default (full-migrate: 120 s),
 * with or without a terminal: without one nobody can type `yes`, so the run
 * says how to close the window from another session (`nsrecipe confirm`),
 * and a script that wants no window says `--no-confirm`.
 *
 * In a one-shot lab (`nsrecipe lab -- run …`) a run has no window: the lab,
 * the run and its watchdog end when the command returns, so nothing would be
 * left to confirm or revert, and the lab's end already puts everything back.
 * The recipe's default is dropped there (the run says so); a `--confirm S`
 * asked for is refused, as an option that would be ignored.
 *
 * @param recipe The recipe (its `confirmSeconds` default; absent for none).
 * @param requested `--confirm` seconds, 0 for `--no-confirm`, `undefined` when neither was given.
 * @param oneShotLab Whether the run is made in a one-shot lab (`inOneShotLab()` of `src/lab/self.ts`).
 * @returns The window in seconds, 0 for none.
 * @throws {UsageError} For `--confirm S` in a one-shot lab.
 */
export function confirmWindowSeconds(
  recipe: { confirmSeconds?: number },
  requested: number | undefined,
  oneShotLab = false,
): number {
  if (!oneShotLab) return requested ?? recipe.confirmSeconds ?? 0;
  if (requested !== undefined && requested > 0) {
    throw new UsageError(
      "--confirm does not apply in a one-shot lab ('nsrecipe lab -- run …'): the run ends with the lab when this " +
        "command returns, so there would be nothing left to confirm; nothing was changed",
      "Leave out --confirm, or open the lab's shell ('nsrecipe lab' with no arguments) and run it there: its window " +
        "can then be confirmed with 'yes' or from a second shell (the banner's attach line).",
    );
  }
  return 0;
}

/**
 * What a run in a one-shot lab says of its end, after "Applied run ID (NAME).": that it ends with the lab and, when
 * the recipe would open a confirmation window elsewhere, that it has none (see {@link confirmWindowSeconds}).
 * @param recipe The recipe (its `confirmSeconds` default).
 * @param requested `--confirm` seconds, 0 for `--no-confirm`, `undefined` when neither was given.
 * @returns e.g. ` It ends with this lab.`
 */
export function oneShotLabEnd(recipe: { confirmSeconds?: number }, requested: number | undefined): string {
  return requested === undefined && (recipe.confirmSeconds ?? 0) > 0
    ? " It ends with this lab when this command returns, so it has no confirmation window: there will be nothing " +
      "left to confirm."
    : " It ends with this lab.";
}

/**
 * Refuses what cannot apply to a plan: `--confirm`/`--no-confirm` and `--rm`
 * when it has no steps (nothing to confirm or undo: `pid-only`), `--rm` when
 * nothing will run inside (no command, no terminal for a shell), and a run
 * that would do nothing at all (no steps, no command, no terminal for a shell).
 *
 * @param recipe The recipe's name, for the message.
 * @param steps How many steps the plan has.
 * @param willRun Whether a shell or command will run inside.
 * @param opts The run options (`confirm` undefined when not given).
 * @throws {UsageError} Naming the option and why it does not apply.
 */
export function refuseInapplicable(
  recipe: string,
  steps: number,
  willRun: boolean,
  opts: { rm: boolean; confirm?: number; rehearsal?: boolean },
): void {
  if (opts.rehearsal) return; // rehearse sets --no-confirm itself, and runs `true` inside
  if (steps > 0) {
    if (opts.rm && !willRun) {
      throw new UsageError(
        "--rm needs a command or a shell: without a terminal and without a command nothing runs inside, " +
          "so the run would be undone as soon as it is made",
        `Give a command after '--' (e.g. 'nsrecipe run ${recipe} --rm -- ip -br addr'), or leave out --rm.`,
      );
    }
    return;
  }
  const given = [
    ...(opts.confirm === undefined ? [] : [opts.confirm === 0 ? "--no-confirm" : "--confirm"]),
    ...(opts.rm ? ["--rm"] : []),
  ];
  if (given.length > 0) {
    throw new UsageError(
      `${given.join(" and ")} ${given.length > 1 ? "do" : "does"} not apply to '${recipe}': ` +
        "it changes nothing on the host, so there is nothing to confirm or undo",
      `Leave ${given.length > 1 ? "them" : "it"} out.`,
    );
  }
  if (!willRun) {
    throw new UsageError(
      `Nothing to do: '${recipe}' changes nothing on the host, and without a terminal no shell is opened`,
      `Give a command to run inside after '--', e.g. 'nsrecipe run ${recipe} -- ps -ef'.`,
    );
  }
}
